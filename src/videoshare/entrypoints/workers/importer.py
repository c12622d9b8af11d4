"""importer: `video.import_requested` → the video's link fetched into its source key, where the
upload-finalizer takes over as for an upload; or `→ rejected` with the reason (404 at the
link, too large, not a video, unreachable) and `video.rejected` (`usecases/imports.py`). When the
last attempt fails (the link kept answering 5xx), the video is `failed`."""

from __future__ import annotations

from videoshare.bus.runtime import Inbound
from videoshare.domain.events import VideoImportRequested
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.usecases.imports import give_up_on_import, import_source


def definition(ctx: WorkerContext) -> WorkerDefinition:
    async def on_requested(event: VideoImportRequested) -> None:
        await import_source(ctx.deps, event.data, cause_id=event.id, producer=ctx.name)

    async def on_give_up(event: Inbound, exc: BaseException) -> None:
        if isinstance(event, VideoImportRequested):
            await give_up_on_import(ctx.deps, event.data, cause_id=event.id, producer=ctx.name)

    return WorkerDefinition(
        handlers={"video.import_requested": on_requested}, on_give_up=on_give_up
    )
