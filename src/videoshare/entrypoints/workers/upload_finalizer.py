"""upload-finalizer: an object arrived under `uploads/` → check it against its video record
(`usecases/finalize_upload.py`): `awaiting_upload → uploaded` and `video.uploaded`, or
`→ rejected` with a reason a person can read and `video.rejected`. An accepted upload's
`video.uploaded` waits for its owner's processing turn (`usecases/processing_turns.py`).

Its queue carries S3's notifications, not domain events: `decode_s3` makes each one the records
it tells of (S3's test event is nothing to do), and every record is finalized in turn.
"""

from __future__ import annotations

from videoshare.bus.runtime import Inbound
from videoshare.entrypoints.workers.context import WorkerContext, WorkerDefinition
from videoshare.entrypoints.workers.messages import S3ObjectsCreated, decode_s3
from videoshare.usecases.finalize_upload import finalize_upload, give_up_on_upload
from videoshare.usecases.processing_turns import ProcessingTurns


def definition(ctx: WorkerContext) -> WorkerDefinition:
    turns = ProcessingTurns.from_settings(ctx.deps.settings)

    async def on_uploads(uploads: S3ObjectsCreated) -> None:
        for record in uploads.records:
            await finalize_upload(
                ctx.deps,
                bucket=record.bucket,
                key=record.key,
                cause_id=uploads.id,
                producer=ctx.name,
                turns=turns,
            )

    async def on_give_up(uploads: Inbound, exc: BaseException) -> None:
        if isinstance(uploads, S3ObjectsCreated):
            for record in uploads.records:
                await give_up_on_upload(
                    ctx.deps, key=record.key, cause_id=uploads.id, producer=ctx.name
                )

    return WorkerDefinition(
        handlers={"s3.object_created": on_uploads}, decode=decode_s3, on_give_up=on_give_up
    )
