"""Where the transcoder's outputs go, and how: deterministic keys (`domain/keys.py`), a few
uploads at a time, multipart when large with bounded read-ahead, the HLS master playlist last
(a player that finds it finds everything it lists), then whatever an interrupted earlier attempt
left under the video's media folder that this one did not write is deleted: the video ends with
exactly one set of outputs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Final

import structlog
from boto3.s3.transfer import TransferConfig

from videoshare.domain import keys
from videoshare.media.transcode import TranscodeOutput
from videoshare.workers.context import WorkerContext

if TYPE_CHECKING:
    from types_aiobotocore_s3.type_defs import ObjectIdentifierTypeDef

log = structlog.get_logger("transcoder")

UPLOADS_AT_ONCE: Final = 4
# Multipart above 16 MiB, in 8 MiB parts, two in flight and two read ahead per file: at most
# ~32 MiB of a file in memory, ~128 MiB with UPLOADS_AT_ONCE large files.
TRANSFER: Final = TransferConfig(
    multipart_threshold=16 * 1024**2,
    multipart_chunksize=8 * 1024**2,
    max_concurrency=2,
    max_io_queue=2,
)
CONTENT_TYPES: Final = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
}


def output_keys(video_id: str, output: TranscodeOutput) -> list[tuple[Path, str]]:
    """Each output file and its key, the HLS master playlist last."""
    files = [(r.path, keys.rendition_key(video_id, r.name)) for r in output.renditions]
    files += [
        (output.poster, keys.poster_key(video_id)),
        (output.storyboard_image, keys.storyboard_image_key(video_id)),
        (output.storyboard_vtt, keys.storyboard_vtt_key(video_id)),
    ]
    files += [(path, keys.hls_prefix(video_id) + path.name) for path in output.hls_files]
    files.append((output.hls_master, keys.hls_master_key(video_id)))
    return files


async def upload_outputs(ctx: WorkerContext, video_id: str, output: TranscodeOutput) -> None:
    """Upload every output, the HLS master last; then delete what an earlier attempt left."""
    *files, master = output_keys(video_id, output)
    slots = asyncio.Semaphore(UPLOADS_AT_ONCE)

    async def put(path: Path, key: str) -> None:
        async with slots:
            await ctx.aws.s3.upload_file(
                str(path),
                ctx.resources.bucket,
                key,
                ExtraArgs={"ContentType": CONTENT_TYPES[path.suffix]},
                Config=TRANSFER,
            )

    async with asyncio.TaskGroup() as uploads:
        for path, key in files:
            uploads.create_task(put(path, key))
    await put(*master)
    await _delete_others(ctx, video_id, {key for _, key in (*files, master)})


async def _delete_others(ctx: WorkerContext, video_id: str, keep: set[str]) -> None:
    """Delete what an interrupted earlier attempt left in the video's media that this one did
    not write (the key layout is deterministic, so everything else was overwritten)."""
    paginator = ctx.aws.s3.get_paginator("list_objects_v2")
    prefix = keys.media_prefix(video_id)
    async for page in paginator.paginate(Bucket=ctx.resources.bucket, Prefix=prefix):
        stale: list[ObjectIdentifierTypeDef] = [
            {"Key": o["Key"]} for o in page.get("Contents", []) if o["Key"] not in keep
        ]
        if stale:
            await ctx.aws.s3.delete_objects(
                Bucket=ctx.resources.bucket, Delete={"Objects": stale, "Quiet": True}
            )
            log.info("stale_outputs_deleted", video_id=video_id, count=len(stale))
