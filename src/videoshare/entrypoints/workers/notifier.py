"""notifier: `video.ready / video.rejected / video.failed` → an entry in the owner's inbox, and
a delivery for the owner's webhook if there is one, sent by `webhook_sender`
(`usecases/notify.py`)."""

from __future__ import annotations

from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.usecases.notify import NotifiedEvent, notify_owner


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def notify(event: NotifiedEvent) -> None:
        await notify_owner(ctx.deps, event)

    return WorkerDefinition(
        handlers={"video.ready": notify, "video.rejected": notify, "video.failed": notify}
    )
