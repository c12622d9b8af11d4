"""Captions (`usecases/captions.py`): the owner adds WebVTT or SRT per language, refused with a
reason when it is not usable; players get WebVTT and HLS subtitle renditions."""

from __future__ import annotations

import pytest

from tests.usecases.support import FakePorts, created, fixed_settings, made_ready
from videoshare.domain import keys
from videoshare.domain.errors import (
    BadCaptions,
    CaptionNotFound,
    FileTooLarge,
    NotReady,
    OwnerOnly,
    UnknownLanguage,
    VideoNotFound,
)
from videoshare.domain.video import Video, Visibility
from videoshare.usecases.captions import (
    add_captions,
    captions_text,
    remove_captions,
    subtitle_playlist_text,
)
from videoshare.usecases.playback import hls_playlist

SRT = (
    b"1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>there</i>\r\n\r\n"
    b"2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n"
)
VTT = b"WEBVTT\n\n00:00.500 --> 00:02.000 align:start\nBonjour\n"
MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p.m3u8\n"


async def _ready(ports: FakePorts, visibility: Visibility = Visibility.PRIVATE) -> Video:
    video = await made_ready(ports, await created(ports), visibility)
    ports.storage.objects[keys.hls_master_key(video.id)] = MASTER.encode()
    return video


async def test_an_srt_file_is_stored_as_webvtt_and_recorded_on_the_video(
    ports: FakePorts,
) -> None:
    video = await _ready(ports)
    saved, caption = await add_captions(ports, video.id, "alice", "pt-br", "Português", SRT, "r1")
    assert (caption.language, caption.label) == ("pt-BR", "Português")
    assert caption.key == keys.caption_key(video.id, "pt-BR")
    assert ports.storage.objects[caption.key].decode() == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello <i>there</i>\n\n"
        "00:00:03.000 --> 00:00:04.000\nBye\n"
    )
    assert saved.captions == [caption]
    assert ports.publisher.published[-1].data.changed == ["captions"]  # type: ignore[union-attr]


async def test_a_language_added_again_replaces_its_captions_and_deleting_removes_the_file(
    ports: FakePorts,
) -> None:
    video = await _ready(ports)
    await add_captions(ports, video.id, "alice", "fr", None, VTT, "r1")
    await add_captions(ports, video.id, "alice", "en", "English", SRT, "r2")
    saved, _ = await add_captions(ports, video.id, "alice", "FR", "Français", VTT, "r3")
    assert [(c.language, c.label) for c in saved.captions] == [
        ("en", "English"),
        ("fr", "Français"),
    ]

    await remove_captions(ports, video.id, "alice", "fr", "r4")
    stored = await ports.videos.get(video.id)
    assert stored is not None
    assert [c.language for c in stored.captions] == ["en"]
    assert keys.caption_key(video.id, "fr") not in ports.storage.objects
    with pytest.raises(CaptionNotFound):
        await remove_captions(ports, video.id, "alice", "fr", "r5")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
        (b"just some words, not captions", "neither WebVTT nor SRT"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nbroken\n", "broken timings"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:0x:04,000\nbad\n",
            "broken timings: '00:00:03,000 --> 00:0x:04,000'",
        ),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n", "does not end"),
        (b"WEBVTT\n\nNOTE nothing to show\n", "no cues"),
        (b"WEBVTT\n\x00\x01", "binary"),
    ],
)
async def test_a_file_that_is_not_usable_captions_is_refused_with_the_reason(
    ports: FakePorts, data: bytes, reason: str
) -> None:
    video = await _ready(ports)
    with pytest.raises(BadCaptions, match=reason.replace("(", r"\(")):
        await add_captions(ports, video.id, "alice", "en", None, data, "r1")
    assert not any("/captions/" in key for key in ports.storage.objects)
    assert (await ports.videos.get(video.id)).captions == []  # type: ignore[union-attr]


@pytest.mark.parametrize("language", ["xx", "english", "en_US", "x-private", "i-klingon", "e"])
async def test_an_unknown_or_malformed_language_is_refused(ports: FakePorts, language: str) -> None:
    video = await _ready(ports)
    with pytest.raises(UnknownLanguage):
        await add_captions(ports, video.id, "alice", language, None, VTT, "r1")


async def test_a_file_over_the_cap_is_refused_before_it_is_parsed(ports: FakePorts) -> None:
    ports.settings = fixed_settings(max_caption_bytes=1000)
    video = await _ready(ports)
    with pytest.raises(FileTooLarge, match="at most 1,000 bytes"):
        await add_captions(ports, video.id, "alice", "en", None, VTT + b"x" * 1000, "r1")


async def test_only_the_owner_of_a_ready_video_adds_or_removes_captions(ports: FakePorts) -> None:
    private = await _ready(ports)
    public = await _ready(ports, Visibility.PUBLIC)
    with pytest.raises(VideoNotFound):
        await add_captions(ports, private.id, "mallory", "en", None, VTT, "r1")
    with pytest.raises(OwnerOnly):
        await add_captions(ports, public.id, "mallory", "en", None, VTT, "r1")
    await add_captions(ports, public.id, "alice", "en", None, VTT, "r1")
    with pytest.raises(OwnerOnly):
        await remove_captions(ports, public.id, "mallory", "en", "r2")
    processing = await created(ports)
    with pytest.raises(NotReady):
        await add_captions(ports, processing.id, "alice", "en", None, VTT, "r1")


async def test_the_master_lists_each_language_and_its_playlist_plays_the_signed_webvtt(
    ports: FakePorts,
) -> None:
    video = await _ready(ports)
    await add_captions(ports, video.id, "alice", "en", "English", SRT, "r1")
    await add_captions(ports, video.id, "alice", "fr", "Français", VTT, "r2")
    master = await hls_playlist(ports, video.id, "master", None, "alice")
    media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:")]
    assert len(media) == 2
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English"' in media[0]
    assert 'URI="subtitles/en.m3u8?token=' in media[0]
    assert 'SUBTITLES="subs"' in next(x for x in master.splitlines() if "STREAM-INF" in x)

    token = media[1].split("?token=", 1)[1].split('"', 1)[0]
    playlist = await subtitle_playlist_text(ports, video.id, "fr", token, None)  # a stranger
    [segment] = [line for line in playlist.splitlines() if not line.startswith("#")]
    assert segment.startswith("https://fake-bucket.invalid/" + keys.caption_key(video.id, "fr"))
    assert "#EXTINF:5.3," in playlist
    assert "#EXT-X-ENDLIST" in playlist
    assert (await captions_text(ports, video.id, "fr", token, None)).startswith("WEBVTT")


async def test_without_captions_the_master_is_served_as_stored(ports: FakePorts) -> None:
    video = await _ready(ports)
    assert "SUBTITLES" not in await hls_playlist(ports, video.id, "master", None, "alice")


async def test_a_private_videos_captions_need_its_token_or_its_owner(ports: FakePorts) -> None:
    video = await _ready(ports)
    await add_captions(ports, video.id, "alice", "en", None, VTT, "r1")
    for read in (captions_text, subtitle_playlist_text):
        with pytest.raises(VideoNotFound):
            await read(ports, video.id, "en", None, "mallory")
        with pytest.raises(CaptionNotFound):
            await read(ports, video.id, "de", None, "alice")
