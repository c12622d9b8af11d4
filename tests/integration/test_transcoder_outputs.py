"""The transcoder's uploader against the real emulator: CMAF segments go up while ffmpeg writes
(a segment once the next of its rendition exists, the init segment once its playlist lists a
segment), with each rung's EVENT playlist of what is stored and, once every rung has one, the
master (the video is playable); the poster and sprite once their JPEG is whole; the final pass
puts only what is new or has changed since, an attempt that ends without outputs takes back
what it put early, and what an earlier attempt left is deleted (looked for only when there was
one)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.integration.worker_support import Worker, object_keys, read_object, start_worker
from tests.support import eventually
from videoshare.aws import AwsClients
from videoshare.domain import keys
from videoshare.entrypoints.workers import transcoder
from videoshare.infra.resources import Resources
from videoshare.infra.topology import TRANSCODER
from videoshare.media.hls import parse_media_playlist
from videoshare.media.ladder import Rung
from videoshare.media.storyboard import plan_storyboard
from videoshare.media.transcode import (
    OutputPlan,
    RenditionFile,
    TranscodeOutput,
    ffmpeg_executable,
)
from videoshare.settings import Settings
from videoshare.usecases.transcode_outputs import OutputUploader

PLAN = OutputPlan(
    rungs=[Rung("240p", 320, 240, 400_000, 64_000)],
    storyboard=plan_storyboard(320, 240, 8.0, 25.0),
    has_audio=False,
    frame_rate=25.0,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(settings: Settings, aws: AwsClients, resources: Resources) -> Worker:
    return start_worker(TRANSCODER, transcoder.definition, settings, aws, resources)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def init_segment(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 240p CMAF init segment (the provisional master reads its `avcC`)."""
    folder = tmp_path_factory.mktemp("cmaf")
    argv = [ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-f", "lavfi"]
    argv += ["-i", "testsrc=s=320x240:r=25:d=1", "-c:v", "libx264", "-preset", "ultrafast"]
    argv += ["-f", "hls", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"]
    subprocess.run([*argv, str(folder / "x.m3u8")], check=True)
    return (folder / "init.mp4").read_bytes()


def ffmpeg_playlist(segments: int, *, ended: bool = False) -> bytes:
    """What ffmpeg's hls muxer has written of the 240p playlist after `segments` segments."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4"]
    lines += ["#EXT-X-PLAYLIST-TYPE:EVENT", '#EXT-X-MAP:URI="240p_init.mp4"']
    for n in range(segments):
        lines += ["#EXTINF:4.000000,", f"240p_{n:03d}.m4s"]
    return "\n".join([*lines, *(["#EXT-X-ENDLIST"] if ended else [])]).encode() + b"\n"


@asynccontextmanager
async def following(
    uploader: OutputUploader, out: Path, on_playable: list[str] | None = None
) -> AsyncIterator[asyncio.Task[None]]:
    """The uploader following `out` as while ffmpeg runs; stopped as when ffmpeg ends."""
    stop = asyncio.Event()

    async def playable() -> None:
        if on_playable is not None:
            on_playable.append("playable")

    follower = asyncio.create_task(uploader.follow(out, PLAN, stop, playable))
    try:
        yield follower
    finally:
        stop.set()
        await asyncio.wait([follower])
    follower.result()  # the follower ended by itself, without an error


def output_set(out: Path) -> TranscodeOutput:
    """What `transcode()` returns for a one-rung video of two segments written into `out`."""
    hls = out / "hls"
    init = hls / "240p_init.mp4"
    if not init.exists():
        write(init, b"init")
    return TranscodeOutput(
        renditions=[
            RenditionFile("240p", 320, 240, 1000, hls / "240p.m3u8", 3),
        ],
        poster=write(out / "poster.jpg", b"\xff\xd8\xff poster"),
        storyboard_image=write(out / "storyboard.jpg", b"\xff\xd8\xff sprite"),
        storyboard_vtt=write(out / "storyboard.vtt", b"WEBVTT\n"),
        hls_master=write(hls / "master.m3u8", b"#EXTM3U\n"),
        hls_files=[
            write(hls / "240p.m3u8", ffmpeg_playlist(2, ended=True)),
            init,
            hls / "240p_000.m4s",
            hls / "240p_001.m4s",
        ],
    )


async def test_segments_and_the_event_playlists_go_up_while_ffmpeg_writes_then_the_master(
    worker: Worker, tmp_path: Path, init_segment: bytes
) -> None:
    video_id = "video-early-segments"
    hls_prefix = keys.hls_prefix(video_id)
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    hls = tmp_path / "hls"
    write(hls / "240p_init.mp4", init_segment)
    write(hls / "240p_000.m4s", b"segment 0")
    write(hls / "240p.m3u8", ffmpeg_playlist(0))
    said: list[str] = []
    async with following(uploader, tmp_path, said):
        write(hls / "240p_001.m4s", b"segment 1, being written")
        write(hls / "240p.m3u8", ffmpeg_playlist(1))
        await eventually(
            lambda: _has(worker, hls_prefix + "master.m3u8"), what="the master playlist put"
        )
        # the segment ffmpeg may still be writing is left alone; the rung's playlist names
        # only what is stored, and grows: it has no end yet
        assert await object_keys(worker, hls_prefix) == [
            hls_prefix + name
            for name in ["240p.m3u8", "240p_000.m4s", "240p_init.mp4", "master.m3u8"]
        ]
        live = parse_media_playlist(
            (await read_object(worker, hls_prefix + "240p.m3u8"))[0].decode()
        )
        assert (live.init_uri, [s.uri for s in live.segments], live.ended) == (
            "240p_init.mp4",
            ["240p_000.m4s"],
            False,
        )
        master = (await read_object(worker, hls_prefix + "master.m3u8"))[0].decode()
        assert 'CODECS="avc1.' in master
        assert "240p.m3u8" in master
        assert said == ["playable"]

        write(hls / "240p_002.m4s", b"segment 2, being written")
        write(hls / "240p.m3u8", ffmpeg_playlist(2))
        await eventually(
            lambda: _has(worker, hls_prefix + "240p_001.m4s"), what="the next segment put"
        )
        await eventually(
            lambda: _lists(worker, hls_prefix + "240p.m3u8", 2), what="the playlist grown"
        )
    assert said == ["playable"]  # said once

    write(hls / "240p_000.m4s", b"segment 0, written to after all")
    (hls / "240p_002.m4s").unlink()  # ffmpeg's last word: two segments
    write(hls / "240p_001.m4s", b"segment 1, final")
    await uploader.finish(output_set(tmp_path))

    prefix = keys.media_prefix(video_id)
    assert await object_keys(worker, prefix) == sorted(
        prefix + name
        for name in [
            "poster.jpg", "storyboard.jpg", "storyboard.vtt", "hls/master.m3u8",
            "hls/240p.m3u8", "hls/240p_init.mp4", "hls/240p_000.m4s", "hls/240p_001.m4s",
        ]
    )  # fmt: skip
    # what changed after it went up early went up again
    assert (await read_object(worker, hls_prefix + "240p_000.m4s"))[0] == (
        b"segment 0, written to after all"
    )
    assert (await read_object(worker, hls_prefix + "240p_001.m4s")) == (
        b"segment 1, final",
        "video/iso.segment",
    )
    final = (await read_object(worker, hls_prefix + "240p.m3u8"))[0]
    assert final == ffmpeg_playlist(2, ended=True)  # ffmpeg's own, with its end
    assert (await read_object(worker, hls_prefix + "master.m3u8"))[0] == b"#EXTM3U\n"


async def test_an_attempt_without_outputs_takes_back_the_segments_it_put_early(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-discarded"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    for number in range(3):
        write(tmp_path / "hls" / f"240p_{number:03d}.m4s", b"segment")
    async with following(uploader, tmp_path):
        await eventually(
            lambda: _count(worker, keys.media_prefix(video_id), 2), what="two segments put"
        )

    await uploader.discard()

    assert await object_keys(worker, keys.media_prefix(video_id)) == []


async def test_a_whole_poster_goes_up_while_ffmpeg_writes_and_a_partial_sprite_waits(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-early-poster"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    write(tmp_path / "poster.jpg", b"\xff\xd8\xff poster \xff\xd9")
    write(tmp_path / "storyboard.jpg", b"\xff\xd8\xff half a sprite")
    async with following(uploader, tmp_path):
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
    assert await read_object(worker, keys.poster_key(video_id)) == (
        b"\xff\xd8\xff poster \xff\xd9",
        "image/jpeg",
    )


async def test_a_folder_ffmpeg_has_not_made_yet_is_waited_for(
    worker: Worker, tmp_path: Path
) -> None:
    video_id = "video-no-folder-yet"
    uploader = OutputUploader(worker.ctx.deps.objects, video_id, earlier_attempts=False)
    async with following(uploader, tmp_path) as follower:
        write(tmp_path / "hls" / "480p_000.m4s", b"segment 0")
        write(tmp_path / "hls" / "480p_001.m4s", b"segment 1")
        await eventually(
            lambda: _has(worker, keys.hls_prefix(video_id) + "480p_000.m4s"),
            what="the segment put once the folder appeared",
        )
        assert not follower.done()


async def _lists(worker: Worker, key: str, segments: int) -> bool:
    text = (await read_object(worker, key))[0].decode()
    return len(parse_media_playlist(text).segments) == segments


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
        write(tmp_path / "hls" / f"240p_{number:03d}.m4s", b"segment")

    await uploader.finish(output_set(tmp_path))

    assert (stray in await object_keys(worker, keys.media_prefix(video_id))) is stray_kept
