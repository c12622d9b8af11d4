"""Where the transcoder's outputs go, and how: deterministic keys (`domain/keys.py`), a few
uploads at a time (more for small files: on the emulator a request costs more in latency than in
bytes), multipart when large with bounded read-ahead, the HLS master playlist last (a player that
finds it finds everything it lists), then whatever an interrupted earlier attempt left under the
video's media folder that this one did not write is deleted: the video ends with exactly one set
of outputs.

Segments stream to storage as ffmpeg writes them (`follow`), so the video can be played before
it is finished, and after ffmpeg only a few small objects are left (per rung its last segment
and its final playlist; the storyboard; the master):
- a segment once the next of its rendition exists, a rung's init segment once its playlist
  lists a segment; the poster and the storyboard sprite once their JPEG is whole;
- after new segments of a rung, its EVENT playlist of the segments stored so far
  (`hls.event_playlist`: a player never meets a segment that is not there);
- once every rung has one, a provisional master playlist, and then `on_playable` (the record
  says so). At the end ffmpeg's own playlists, with `#EXT-X-ENDLIST`, and the measured master.
Each upload remembers the file's size and mtime as read, so the final pass puts again only what
changed since (a safety net, should a file be written to after all) and nothing twice. An
attempt that ends without outputs (rejected, failed) deletes what it put early (`discard`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Final

import structlog

from videoshare.domain import keys
from videoshare.heap import trim_heap
from videoshare.media.ffmpeg_command import HLS_DIR, POSTER_NAME, init_name, variant_name
from videoshare.media.hls import (
    MASTER_NAME,
    PlaylistError,
    event_playlist,
    finished_segments,
    parse_media_playlist,
)
from videoshare.media.storyboard import SPRITE_NAME
from videoshare.media.transcode import OutputPlan, TranscodeOutput, provisional_master
from videoshare.usecases.ports import ObjectStore

log = structlog.get_logger("transcoder")

UPLOADS_AT_ONCE: Final = 4
SMALL_UPLOADS_AT_ONCE: Final = 12  # segments, playlists, images: latency-bound
SMALL_FILE_BYTES: Final = 4 * 1024**2
SEGMENT_POLL_S: Final = 0.25
JPEG_END: Final = b"\xff\xd9"  # EOI, a JPEG's last marker
# The object store puts a large file in parts, holding at most ~32 MiB of it in memory
# (`adapters/media_objects.TRANSFER`); a smaller file is read whole. Across all uploads at once,
# at most BYTES_AT_ONCE (a large file counts as its ~32 MiB): what the worker holds beside ffmpeg.
BYTES_AT_ONCE: Final = 32 * 1024**2
CONTENT_TYPES: Final = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
}
LIVE_DIR: Final = "live"  # beside hls/: the playlists stored while ffmpeg runs
Signature = tuple[str, int, int]  # a file as read for an upload: its path, size and mtime (ns)


def output_keys(video_id: str, output: TranscodeOutput) -> list[tuple[Path, str]]:
    """Each output file and its key, the HLS master playlist last (a rendition is its media
    playlist and the files it names, all in `hls_files`)."""
    files = [
        (output.poster, keys.poster_key(video_id)),
        (output.storyboard_image, keys.storyboard_image_key(video_id)),
        (output.storyboard_vtt, keys.storyboard_vtt_key(video_id)),
    ]
    files += [(path, keys.hls_prefix(video_id) + path.name) for path in output.hls_files]
    files.append((output.hls_master, keys.hls_master_key(video_id)))
    return files


class OutputUploader:
    """One attempt's uploads of one video's outputs."""

    def __init__(self, objects: ObjectStore, video_id: str, *, earlier_attempts: bool) -> None:
        """`earlier_attempts`: whether an attempt before this one may have put outputs (and
        left some this one will not overwrite); when not, there is nothing to look for."""
        self._objects = objects
        self._video_id = video_id
        self._earlier_attempts = earlier_attempts
        self._large_slots = asyncio.Semaphore(UPLOADS_AT_ONCE)
        self._small_slots = asyncio.Semaphore(SMALL_UPLOADS_AT_ONCE)
        self._bytes = _ByteBudget(BYTES_AT_ONCE)
        self._put: dict[str, Signature] = {}  # key → the file as it was read for it
        self._tried: set[str] = set()  # keys an upload was started for, finished or not
        self._live: dict[str, str] = {}  # rung → the EVENT playlist stored last
        self._puts = 0  # uploads made

    async def follow(
        self,
        out_dir: Path,
        plan: OutputPlan,
        stop: asyncio.Event,
        on_playable: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Upload what ffmpeg has finished in `out_dir` (see the module's list) until `stop` is
        set (when ffmpeg is done); the round under way then ends, so nothing this puts can
        land after the final pass. `on_playable` runs once the master playlist is stored."""
        live = out_dir / LIVE_DIR
        await asyncio.to_thread(live.mkdir, exist_ok=True)
        playable = False
        while not stop.is_set():
            puts_before = self._puts
            await self._follow_round(out_dir, plan)
            if self._puts > puts_before:
                # what the uploads read (whole files, in threads) goes back now, not at the
                # end: the worker beside ffmpeg stays the same size however long the video
                trim_heap()
            if not playable and all(
                self._hls_key(variant_name(rung)) in self._put for rung in plan.rungs
            ):
                master = live / MASTER_NAME
                text = await asyncio.to_thread(provisional_master, out_dir / HLS_DIR, plan)
                await asyncio.to_thread(master.write_text, text, encoding="utf-8")
                await self._upload(master, keys.hls_master_key(self._video_id))
                playable = True
                if on_playable is not None:
                    await on_playable()
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SEGMENT_POLL_S)

    async def _follow_round(self, out_dir: Path, plan: OutputPlan) -> None:
        hls = out_dir / HLS_DIR
        images = {
            out_dir / POSTER_NAME: keys.poster_key(self._video_id),
            out_dir / SPRITE_NAME: keys.storyboard_image_key(self._video_id),
        }
        names = await asyncio.to_thread(_names_in, hls)
        whole = await asyncio.to_thread(
            _whole_jpegs, [path for path, key in images.items() if key not in self._put]
        )
        playlists = {
            rung.name: await asyncio.to_thread(_read_playlist, hls / variant_name(rung))
            for rung in plan.rungs
        }
        async with asyncio.TaskGroup() as uploads:
            for name in finished_segments(names):
                if self._hls_key(name) not in self._put:
                    uploads.create_task(self._upload(hls / name, self._hls_key(name)))
            for rung in plan.rungs:
                init = init_name(rung)
                if self._hls_key(init) not in self._put and _lists_a_segment(playlists[rung.name]):
                    uploads.create_task(self._upload(hls / init, self._hls_key(init)))
            for path in whole:
                uploads.create_task(self._upload(path, images[path]))
        stored = {
            name for name in names if self._hls_key(name) in self._put
        }  # what a stored playlist may name
        async with asyncio.TaskGroup() as uploads:
            for rung in plan.rungs:
                text = playlists[rung.name]
                uploads.create_task(self._put_event_playlist(out_dir, rung.name, text, stored))

    async def _put_event_playlist(
        self, out_dir: Path, rung: str, text: str | None, stored: set[str]
    ) -> None:
        """The rung's EVENT playlist of what is stored, when it names more than the last."""
        try:
            live_text = event_playlist(text, stored) if text else None
        except PlaylistError:  # caught while ffmpeg rewrites it: the next round reads it again
            return
        path = out_dir / LIVE_DIR / f"{rung}.m3u8"
        if live_text is None or self._live.get(rung) == live_text:
            return
        await asyncio.to_thread(path.write_text, live_text, encoding="utf-8")
        await self._upload(path, self._hls_key(path.name))
        self._live[rung] = live_text

    def _hls_key(self, name: str) -> str:
        return keys.hls_prefix(self._video_id) + name

    async def finish(self, output: TranscodeOutput) -> None:
        """Upload every output not up yet, the HLS master last; then delete what an earlier
        attempt left."""
        *files, master = output_keys(self._video_id, output)
        early, puts_before = len(self._put), self._puts
        # Most files went up while ffmpeg ran: one look at them all (a thread hop per file
        # would make this pass grow with the video's length), and only what changed goes.
        now = await asyncio.to_thread(_signatures, [path for path, _ in files])
        left = [(path, key) for path, key in files if self._put.get(key) != now[path]]
        # What a playlist names is stored before the playlist: each rung's files, then its
        # playlist, every rung at once (one wave of requests fewer than all files, then all
        # playlists: the uploads after ffmpeg are what the person waiting for `ready` sees).
        playlists = [(path, key) for path, key in left if path.suffix == ".m3u8"]
        others = [(path, key) for path, key in left if path.suffix != ".m3u8"]
        named = {playlist: _files_of_rung(playlist, others) for playlist, _ in playlists}
        listed = {file for files in named.values() for file in files}
        async with asyncio.TaskGroup() as uploads:
            for path, key in others:
                if (path, key) not in listed:  # the poster, the storyboard
                    uploads.create_task(self._upload(path, key))
            for path, key in playlists:
                uploads.create_task(self._upload_before(named[path], (path, key)))
        await self._upload(*master)
        log.info(
            "outputs_put",
            video_id=self._video_id,
            early=early,
            total=len(files) + 1,
            after_ffmpeg=self._puts - puts_before,  # a few, whatever the video's length
        )
        if self._earlier_attempts:
            await self._delete_others({key for _, key in (*files, master)})

    async def _upload_before(self, files: list[tuple[Path, str]], last: tuple[Path, str]) -> None:
        """`files` at once, then `last` (a playlist after the segments it names)."""
        async with asyncio.TaskGroup() as uploads:
            for path, key in files:
                uploads.create_task(self._upload(path, key))
        await self._upload(*last)

    async def discard(self) -> None:
        """Delete whatever this attempt put: the video gets no outputs from it."""
        await self._objects.delete(sorted(self._tried))
        self._put.clear()
        self._tried.clear()

    async def _upload(self, path: Path, key: str) -> None:
        """Put `path` at `key` unless it is there already as the file is now."""
        signature = await asyncio.to_thread(_signature, path)
        if self._put.get(key) == signature:
            return
        size = signature[1]
        slots = self._small_slots if size <= SMALL_FILE_BYTES else self._large_slots
        async with slots, self._bytes.hold(size):
            self._tried.add(key)
            await self._objects.upload(path, key, content_type=CONTENT_TYPES[path.suffix])
        self._put[key] = signature
        self._puts += 1

    async def _delete_others(self, keep: set[str]) -> None:
        """Delete what an interrupted earlier attempt left in the video's media that this one
        did not write (the key layout is deterministic, so everything else was overwritten)."""
        found = await self._objects.list_keys(keys.media_prefix(self._video_id))
        stale = [key for key in found if key not in keep]
        if stale:
            await self._objects.delete(stale)
            log.info("stale_outputs_deleted", video_id=self._video_id, count=len(stale))


class _ByteBudget:
    """At most `limit` bytes of files being uploaded at once; a file larger than that counts
    as `limit` (multipart holds no more of it), so it goes up alone."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        size = min(size, self._limit)
        async with self._changed:
            await self._changed.wait_for(lambda: self._used + size <= self._limit)
            self._used += size
        try:
            yield
        finally:
            async with self._changed:
                self._used -= size
                self._changed.notify_all()


def _signature(path: Path) -> Signature:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def _signatures(paths: list[Path]) -> dict[Path, Signature]:
    return {path: _signature(path) for path in paths}


def _files_of_rung(playlist: Path, files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Those of `files` a rung's media playlist names: its init segment and its segments, named
    after the rung (`ffmpeg_command.init_name`, `segment_pattern`)."""
    return [(path, key) for path, key in files if path.name.startswith(f"{playlist.stem}_")]


def _whole_jpegs(paths: list[Path]) -> list[Path]:
    """Those of `paths` that exist and end as a JPEG ends (EOI, FF D9): what ffmpeg's image
    muxer is still writing does not, but for a chance byte pair at a buffer's end, and then the
    final pass puts it again (its size and mtime have changed)."""
    whole = []
    for path in paths:
        try:
            with path.open("rb") as file:
                file.seek(-len(JPEG_END), os.SEEK_END)
                if file.read() == JPEG_END:
                    whole.append(path)
        except OSError:  # not there yet, or shorter than two bytes
            continue
    return whole


def _read_playlist(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):  # not written yet; mid-write
        return None


def _lists_a_segment(text: str | None) -> bool:
    """Whether ffmpeg's playlist names a segment: its init segment is written by then."""
    if not text:
        return False
    try:
        return bool(parse_media_playlist(text).segments)
    except PlaylistError:
        return False


def _names_in(folder: Path) -> list[str]:
    try:
        return [path.name for path in folder.iterdir()]
    except FileNotFoundError:  # not made yet
        return []
