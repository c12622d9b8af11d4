"""The transcoder's uploader against the real emulator: HLS segments go up while ffmpeg writes
(a segment once the next of its rendition exists), the poster and sprite once their JPEG is
whole, the final pass puts only what is new or has changed since, an attempt that ends without
outputs takes back what it put early, and what an earlier attempt left is deleted (looked for
only when there was one)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.worker_support import Worker, object_keys, read_object, start_worker
from tests.support import eventually
from videoshare.aws import AwsClients
from videoshare.domain import keys
from videoshare.entrypoints.workers import transcoder
from videoshare.infra.resources import Resources
from videoshare.infra.topology import TRANSCODER
from videoshare.media.transcode import RenditionFile, TranscodeOutput
from videoshare.settings import Settings
from videoshare.usecases.transcode_outputs import OutputUploader

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(TRANSCODER, transcoder.definition, settings, aws, resources)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def output_set(out: Path) -> TranscodeOutput:
    """What `transcode()` returns for a one-rung video of two segments written into `out`."""
    hls = out / "hls"
    return TranscodeOutput(
        renditions=[
            RenditionFile("240p", 320, 240, 1000, write(out / "240p.mp4", b"mp4"), 3),
        ],
        poster=write(out / "poster.jpg", b"\xff\xd8\xff poster"),
        storyboard_image=write(out / "storyboard.jpg", b"\xff\xd8\xff sprite"),
        storyboard_vtt=write(out / "storyboard.vtt", b"WEBVTT\n"),
        hls_master=write(hls / "master.m3u8", b"#EXTM3U\n"),
        hls_files=[
            write(hls / "240p.m3u8", b"#EXTM3U\n"),
            hls / "240p_000.ts",
            hls / "240p_001.ts",
        ],
    )


async def test_finished_segments_go_up_while_ffmpeg_writes_and_the_rest_at_the_end(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-early-segments"
    hls_prefix = keys.hls_prefix(video_id)
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    write(tmp_path / "hls" / "240p_000.ts", b"segment 0")
    write(tmp_path / "hls" / "240p_001.ts", b"segment 1, being written")
    follower = asyncio.create_task(uploader.follow(tmp_path))
    try:
        await eventually(
            lambda: _has(worker, hls_prefix + "240p_000.ts"), what="the finished segment put"
        )
        # the segment ffmpeg may still be writing is left alone
        assert await object_keys(worker, hls_prefix) == [hls_prefix + "240p_000.ts"]
    finally:
        follower.cancel()
        await asyncio.wait([follower])

    write(tmp_path / "hls" / "240p_000.ts", b"segment 0, written to after all")
    write(tmp_path / "hls" / "240p_001.ts", b"segment 1, final")
    await uploader.finish(output_set(tmp_path))

    prefix = keys.media_prefix(video_id)
    assert await object_keys(worker, prefix) == sorted(
        prefix + name
        for name in [
            "240p.mp4", "poster.jpg", "storyboard.jpg", "storyboard.vtt",
            "hls/master.m3u8", "hls/240p.m3u8", "hls/240p_000.ts", "hls/240p_001.ts",
        ]
    )  # fmt: skip
    # what changed after it went up early went up again
    assert (await read_object(worker, hls_prefix + "240p_000.ts"))[0] == (
        b"segment 0, written to after all"
    )
    assert (await read_object(worker, hls_prefix + "240p_001.ts")) == (
        b"segment 1, final",
        "video/mp2t",
    )


async def test_an_attempt_without_outputs_takes_back_the_segments_it_put_early(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-discarded"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    for number in range(3):
        write(tmp_path / "hls" / f"240p_{number:03d}.ts", b"segment")
    follower = asyncio.create_task(uploader.follow(tmp_path))
    try:
        await eventually(
            lambda: _count(worker, keys.media_prefix(video_id), 2), what="two segments put"
        )
    finally:
        follower.cancel()
        await asyncio.wait([follower])

    await uploader.discard()

    assert await object_keys(worker, keys.media_prefix(video_id)) == []


async def test_a_whole_poster_goes_up_while_ffmpeg_writes_and_a_partial_sprite_waits(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-early-poster"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    write(tmp_path / "poster.jpg", b"\xff\xd8\xff poster \xff\xd9")
    write(tmp_path / "storyboard.jpg", b"\xff\xd8\xff half a sprite")
    follower = asyncio.create_task(uploader.follow(tmp_path))
    try:
        await eventually(
            lambda: _has(worker, keys.poster_key(video_id)), what="the whole poster put"
        )
        # the sprite ffmpeg is still writing is left alone
        assert await object_keys(worker, keys.media_prefix(video_id)) == [keys.poster_key(video_id)]
        write(tmp_path / "storyboard.jpg", b"\xff\xd8\xff the whole sprite \xff\xd9")
        await eventually(
            lambda: _has(worker, keys.storyboard_image_key(video_id)),
            what="the sprite put once whole",
        )
    finally:
        follower.cancel()
        await asyncio.wait([follower])
    assert await read_object(worker, keys.poster_key(video_id)) == (
        b"\xff\xd8\xff poster \xff\xd9",
        "image/jpeg",
    )


async def test_a_folder_ffmpeg_has_not_made_yet_is_waited_for(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-no-folder-yet"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    follower = asyncio.create_task(uploader.follow(tmp_path))
    try:
        write(tmp_path / "hls" / "480p_000.ts", b"segment 0")
        write(tmp_path / "hls" / "480p_001.ts", b"segment 1")
        await eventually(
            lambda: _has(worker, keys.hls_prefix(video_id) + "480p_000.ts"),
            what="the segment put once the folder appeared",
        )
        assert not follower.done()
    finally:
        follower.cancel()
        await asyncio.wait([follower])


async def _has(worker: Worker, key: str) -> bool:
    return key in await object_keys(worker, key)


async def _count(worker: Worker, prefix: str, count: int) -> bool:
    return len(await object_keys(worker, prefix)) == count


@pytest.mark.parametrize(("earlier_attempts", "stray_kept"), [(True, False), (False, True)])
async def test_what_an_earlier_attempt_left_is_looked_for_only_when_there_was_one(
    worker: Worker, tmp_path: Path, earlier_attempts: bool, stray_kept: bool
) -> None:
    """With an earlier attempt, a file it put that this one does not make is deleted; on a
    video's first attempt nothing can be stale, so the bucket is not listed at all (a stray
    object put behind the uploader's back shows that it was not)."""
    video_id = f"video-stale-{earlier_attempts}"
    stray = keys.media_prefix(video_id) + "1080p.mp4"
    await worker.ctx.deps.aws.s3.put_object(
        Bucket=worker.ctx.deps.resources.bucket, Key=stray, Body=b"from another attempt"
    )
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=earlier_attempts)
    for number in range(2):
        write(tmp_path / "hls" / f"240p_{number:03d}.ts", b"segment")

    await uploader.finish(output_set(tmp_path))

    assert (stray in await object_keys(worker, keys.media_prefix(video_id))) is stray_kept
