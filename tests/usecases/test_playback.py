"""Playback (`usecases/playback.py`): who may play, and the playlists rewritten so a player
needs nothing else."""

from __future__ import annotations

import re

import pytest

from tests.usecases.support import FakePorts, created, made_ready
from videoshare.domain import keys
from videoshare.domain.errors import (
    BadPlaybackToken,
    DamagedMedia,
    MediaNotFound,
    NotReady,
    VideoNotFound,
)
from videoshare.domain.video import Video, VideoEdit, Visibility
from videoshare.usecases.playback import hls_playlist, playback_tokens, storyboard
from videoshare.usecases.video_edits import delete_video, edit_video

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n"
RENDITION = "#EXTM3U\n#EXTINF:4.0,\nseg-0.ts\n#EXTINF:4.0,\nseg-1.ts\n#EXT-X-ENDLIST\n"
VTT = "WEBVTT\n\n00:00.000 --> 00:05.000\nsprite.jpg#xywh=0,0,160,90\n"


async def _playable(ports: FakePorts, visibility: Visibility = Visibility.PRIVATE) -> Video:
    video = await made_ready(ports, await created(ports), visibility)
    prefix = keys.hls_prefix(video.id)
    ports.storage.objects[prefix + "master.m3u8"] = MASTER.encode()
    ports.storage.objects[prefix + "360p/index.m3u8"] = RENDITION.encode()
    assert video.storyboard_vtt_key is not None
    ports.storage.objects[video.storyboard_vtt_key] = VTT.encode()
    return video


async def test_the_master_playlist_links_playlists_with_the_token_and_signs_segments(
    ports: FakePorts,
) -> None:
    video = await _playable(ports)
    master = await hls_playlist(ports, video.id, "master", None, "alice")
    [link] = [line for line in master.splitlines() if line.startswith("360p/")]
    token = link.split("?token=", 1)[1]
    assert playback_tokens(ports.settings).valid(video, token)

    rendition = await hls_playlist(ports, video.id, "360p/index", token, None)
    segments = [line for line in rendition.splitlines() if not line.startswith("#")]
    assert len(segments) == 2
    for segment, name in zip(segments, ("seg-0.ts", "seg-1.ts"), strict=True):
        assert segment.startswith("https://fake-bucket.invalid/")
        assert keys.hls_prefix(video.id) + "360p/" + name in segment


async def test_the_storyboard_links_its_sprite_signed(ports: FakePorts) -> None:
    video = await _playable(ports, Visibility.PUBLIC)
    text = await storyboard(ports, video.id, None, None)  # public: anyone
    sprite = keys.media_prefix(video.id) + "storyboard/sprite.jpg"
    assert f"https://fake-bucket.invalid/{sprite}?op=get#xywh=0,0,160,90" in text


async def test_a_token_opens_a_private_video_to_anyone_and_only_that_video(
    ports: FakePorts,
) -> None:
    video = await _playable(ports)
    other = await _playable(ports)
    public = await _playable(ports, Visibility.PUBLIC)
    token = playback_tokens(ports.settings).issue(video)
    assert (await hls_playlist(ports, video.id, "master", token, None)).startswith("#EXTM3U")
    with pytest.raises(VideoNotFound):  # another private video's: it is not said to exist
        await hls_playlist(ports, other.id, "master", token, None)
    with pytest.raises(BadPlaybackToken):  # a public one's: the player should get a fresh link
        await hls_playlist(ports, public.id, "master", token, None)
    with pytest.raises(BadPlaybackToken):  # malformed: the same answer for any id
        await storyboard(ports, video.id, "99.forged", None)
    with pytest.raises(VideoNotFound):
        await hls_playlist(ports, video.id, "master", None, "bob")  # no token: GET's rules


async def test_making_a_video_private_revokes_its_tokens_at_once(ports: FakePorts) -> None:
    video = await _playable(ports, Visibility.PUBLIC)
    token = playback_tokens(ports.settings).issue(video)
    assert (await hls_playlist(ports, video.id, "master", token, None)).startswith("#EXTM3U")
    await edit_video(ports, video.id, "alice", VideoEdit(visibility=Visibility.PRIVATE), "r-1")
    with pytest.raises(VideoNotFound):
        await hls_playlist(ports, video.id, "master", token, None)
    with pytest.raises(VideoNotFound):
        await storyboard(ports, video.id, token, None)
    # public again: the old token stays revoked, a fresh one (from GET) plays
    public = await edit_video(
        ports, video.id, "alice", VideoEdit(visibility=Visibility.PUBLIC), "r-2"
    )
    with pytest.raises(BadPlaybackToken):
        await hls_playlist(ports, video.id, "master", token, None)
    fresh = playback_tokens(ports.settings).issue(public)
    assert (await hls_playlist(ports, video.id, "master", fresh, None)).startswith("#EXTM3U")


async def test_a_deleted_video_plays_for_no_token(ports: FakePorts) -> None:
    video = await _playable(ports)
    token = playback_tokens(ports.settings).issue(video)
    await delete_video(ports, video.id, "alice", "req-1")
    with pytest.raises(VideoNotFound):
        await hls_playlist(ports, video.id, "master", token, None)


async def test_a_video_plays_once_ready(ports: FakePorts) -> None:
    video = await created(ports)
    with pytest.raises(NotReady) as refused:
        await storyboard(ports, video.id, None, "alice")
    assert refused.value.detail == (
        "The video is awaiting_upload; it can be played once its first segments are stored."
    )


async def test_a_processing_video_plays_once_its_master_playlist_is_recorded(
    ports: FakePorts,
) -> None:
    video = await created(ports)
    video = await ports.videos.save(video.uploaded(), expected=video)
    video = await ports.videos.save(video.processing(), expected=video)
    ports.storage.objects[keys.hls_master_key(video.id)] = MASTER.encode()
    with pytest.raises(NotReady):  # stored, but the record does not say so yet
        await hls_playlist(ports, video.id, "master", None, "alice")

    playable = video.playable_while_processing(keys.hls_master_key(video.id))
    video = await ports.videos.save(playable, expected=video)
    assert video.playable
    assert (await hls_playlist(ports, video.id, "master", None, "alice")).startswith("#EXTM3U")
    with pytest.raises(VideoNotFound):  # still the owner's alone until it is ready
        await hls_playlist(ports, video.id, "master", None, "bob")


async def test_missing_playlists_are_not_found_and_damaged_ones_say_so(
    ports: FakePorts,
) -> None:
    video = await _playable(ports)
    with pytest.raises(MediaNotFound, match=re.escape("has no playlist '720p/index.m3u8'")):
        await hls_playlist(ports, video.id, "720p/index", None, "alice")
    ports.storage.objects[keys.hls_prefix(video.id) + "master.m3u8"] = (
        b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../../x.m3u8\n"
    )
    with pytest.raises(DamagedMedia) as damaged:
        await hls_playlist(ports, video.id, "master", None, "alice")
    assert damaged.value.detail.startswith(f"The stored playlist of video {video.id} cannot")
    assert video.storyboard_vtt_key is not None
    del ports.storage.objects[video.storyboard_vtt_key]
    with pytest.raises(MediaNotFound, match="storyboard is missing"):
        await storyboard(ports, video.id, None, "alice")
