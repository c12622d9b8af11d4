"""Playback tokens and playlist rewriting (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video, VideoEdit, VideoStatus, Visibility
from videoshare.media.playlists import (
    DamagedPlaylist,
    hls_paths,
    resolve,
    rewrite_hls,
    rewrite_vtt,
    vtt_images,
)

WHEN = datetime(2030, 1, 1, tzinfo=UTC)


def _video(video_id: str = "a" * 32, **fields: object) -> Video:
    values: dict[str, object] = {
        "id": video_id,
        "owner_id": "alice",
        "title": "Holiday",
        "visibility": Visibility.PUBLIC,
        "status": VideoStatus.READY,
        "created_at": WHEN,
        "updated_at": WHEN,
        "filename": "holiday.mp4",
        "content_type": "video/mp4",
        "declared_size_bytes": 11,
        "source_key": f"uploads/{video_id}/source",
        "upload_expires_at": WHEN,
    }
    return Video.model_validate({**values, **fields})


VIDEO = _video()
TOKENS = PlaybackTokens(b"key", ttl_s=600)


def test_a_token_is_valid_for_its_video_until_it_expires() -> None:
    token = TOKENS.issue(VIDEO, now=1000)
    assert TOKENS.unexpired(token, now=1599)
    assert TOKENS.valid(VIDEO, token, now=1599)
    assert not TOKENS.unexpired(token, now=1600)
    assert not TOKENS.valid(VIDEO, token, now=1600)
    assert not TOKENS.valid(_video("b" * 32), token, now=1000)
    assert not PlaybackTokens(b"other key", 600).valid(VIDEO, token, now=1000)


@pytest.mark.parametrize(
    "forged",
    ["", "abc", "1600.", "99999999999.x", "1600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_forged_tokens_are_not_valid(forged: str) -> None:
    assert not TOKENS.valid(VIDEO, forged, now=1000)


def test_a_longer_expiry_breaks_the_signature() -> None:
    expires, mac = TOKENS.issue(VIDEO, now=1000).split(".")
    assert not TOKENS.valid(VIDEO, f"{int(expires) + 3600}.{mac}", now=1000)


def test_going_private_or_deleted_revokes_tokens_and_going_public_again_does_not_restore_them() -> (
    None
):
    token = TOKENS.issue(VIDEO, now=1000)
    private = VIDEO.edited(VideoEdit(visibility=Visibility.PRIVATE))
    assert private.playback_version == VIDEO.playback_version + 1
    assert not TOKENS.valid(private, token, now=1000)
    public_again = private.edited(VideoEdit(visibility=Visibility.PUBLIC))
    assert public_again.playback_version == private.playback_version
    assert not TOKENS.valid(public_again, token, now=1000)
    assert TOKENS.valid(public_again, TOKENS.issue(public_again, now=1000), now=1000)
    assert not TOKENS.valid(VIDEO.deleted(), token, now=1000)


@pytest.mark.parametrize(
    "edit",
    [
        VideoEdit(title="Renamed"),
        VideoEdit(visibility=Visibility.UNLISTED),
        VideoEdit(tags=["sea"], description="More sand."),
    ],
)
def test_other_edits_keep_tokens(edit: VideoEdit) -> None:
    token = TOKENS.issue(VIDEO, now=1000)
    assert TOKENS.valid(VIDEO.edited(edit), token, now=1000)


def test_a_private_video_made_private_again_keeps_its_owners_tokens() -> None:
    private = _video(visibility=Visibility.PRIVATE)
    token = TOKENS.issue(private, now=1000)
    assert TOKENS.valid(private.edited(VideoEdit(visibility=Visibility.PRIVATE)), token, now=1000)


MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="English",LANGUAGE="en",URI="subs/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="a",SUBTITLES="s"
360p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,AUDIO="a",SUBTITLES="s"
720p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="360p_iframes.m3u8"
"""

# What the transcoder stores while ffmpeg still runs: an EVENT playlist of CMAF segments.
EVENT = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-MAP:URI="360p_init.mp4"
#EXTINF:4.000000,
360p_000.m4s
#EXTINF:4.000000,
360p_001.m4s
"""

# Every other place a media playlist carries a URI: keys, a second init segment, partial
# segments, a preload hint, a rendition report.
LOW_LATENCY = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:4
#EXT-X-PART-INF:PART-TARGET=1.0
#EXT-X-KEY:METHOD=AES-128,URI="key.bin"
#EXT-X-MAP:URI="init_a.mp4"
#EXTINF:4.0,
seg_000.m4s
#EXT-X-MAP:URI="init_b.mp4"
#EXT-X-PART:DURATION=1.0,URI="seg_001.part0.m4s"
#EXTINF:4.0,
seg_001.m4s
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg_002.part0.m4s"
#EXT-X-RENDITION-REPORT:URI="../720p/index.m3u8",LAST-MSN=1
"""


def _signer(path: str) -> str:
    return f"https://cdn.example/{path}?sig=1"


def _uris_left(text: str) -> list[str]:
    """Every URI line and `URI="…"` attribute of `text`."""
    found = []
    for line in text.splitlines():
        if line.startswith("#"):
            found += [part.split('"')[0] for part in line.split('URI="')[1:]]
        elif line.strip():
            found.append(line.strip())
    return found


def test_every_uri_of_a_master_playlist_is_rewritten_subtitles_and_i_frames_too() -> None:
    paths = hls_paths(MASTER, "")
    assert paths == [
        "audio.m3u8",
        "subs/en.m3u8",
        "360p.m3u8",
        "720p/index.m3u8",
        "360p_iframes.m3u8",
    ]
    out = rewrite_hls(MASTER, "", _signer)
    assert sorted(_uris_left(out)) == sorted(_signer(p) for p in paths)
    assert "BANDWIDTH=800000" in out
    assert 'SUBTITLES="s"' in out


def test_an_event_playlists_init_segment_and_segments_are_signed_and_it_stays_an_event() -> None:
    assert hls_paths(EVENT, "") == ["360p_init.mp4", "360p_000.m4s", "360p_001.m4s"]
    out = rewrite_hls(EVENT, "", _signer)
    assert _uris_left(out) == [_signer(p) for p in hls_paths(EVENT, "")]
    assert f'#EXT-X-MAP:URI="{_signer("360p_init.mp4")}"' in out
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in out
    assert "#EXT-X-ENDLIST" not in out  # still growing: the player reloads it


def test_keys_parts_hints_reports_and_each_init_segment_are_rewritten() -> None:
    out = rewrite_hls(LOW_LATENCY, "360p", _signer)
    assert sorted(_uris_left(out)) == sorted(
        _signer(p)
        for p in [
            "360p/key.bin",
            "360p/init_a.mp4",
            "360p/seg_000.m4s",
            "360p/init_b.mp4",
            "360p/seg_001.part0.m4s",
            "360p/seg_001.m4s",
            "360p/seg_002.part0.m4s",
            "720p/index.m3u8",
        ]
    )


def test_each_path_is_asked_for_once() -> None:
    asked: list[str] = []

    def url_for(path: str) -> str:
        asked.append(path)
        return path

    rewrite_hls(EVENT + "#EXTINF:4.0,\n360p_000.m4s\n", "", url_for)
    assert asked == ["360p_init.mp4", "360p_000.m4s", "360p_001.m4s"]


@pytest.mark.parametrize(
    "carrier",
    [
        '#EXT-X-CONTENT-STEERING:SERVER-URI="https://evil.example/steer"',
        '#EXT-X-SESSION-DATA:DATA-ID="x",URI="https://evil.example/d.json"',
    ],
)
def test_a_playlist_with_a_uri_this_module_cannot_rewrite_is_refused(carrier: str) -> None:
    with pytest.raises(DamagedPlaylist):
        rewrite_hls(MASTER.replace("#EXT-X-VERSION:7", f"#EXT-X-VERSION:7\n{carrier}"), "", _signer)


@pytest.mark.parametrize(
    "text",
    [
        EVENT.replace("360p_001.m4s", "https://evil.example/x.m4s"),
        EVENT.replace('URI="360p_init.mp4"', 'URI="../../other/init.mp4"'),
        MASTER.replace('URI="subs/en.m3u8"', 'URI="/etc/passwd"'),
    ],
)
def test_a_uri_outside_the_videos_folder_is_refused_wherever_it_is(text: str) -> None:
    with pytest.raises(DamagedPlaylist):
        rewrite_hls(text, "", _signer)


@pytest.mark.parametrize(
    ("folder", "uri", "expected"),
    [
        ("", "360p.m3u8", "360p.m3u8"),
        ("720p", "seg_1.ts", "720p/seg_1.ts"),
        ("720p", "../a.ts", "a.ts"),
    ],
)
def test_uris_resolve_against_the_playlists_folder(folder: str, uri: str, expected: str) -> None:
    assert resolve(folder, uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "../secret.ts",
        "720p/../../x.ts",
        "/etc/passwd",
        "https://evil.example/x.ts",
        "a b.ts",
        "a//b.ts",
    ],
)
def test_uris_that_leave_the_videos_folder_are_refused(uri: str) -> None:
    with pytest.raises(DamagedPlaylist):
        resolve("", uri)


def test_a_file_that_is_not_a_playlist_is_refused() -> None:
    with pytest.raises(DamagedPlaylist):
        rewrite_hls("<html>", "", _signer)


VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
storyboard.jpg#xywh=0,0,160,90

00:00:04.000 --> 00:00:08.000
storyboard.jpg#xywh=160,0,160,90
"""


def test_storyboard_cues_point_to_the_signed_sprite_with_their_fragment() -> None:
    assert vtt_images(VTT) == ["storyboard.jpg", "storyboard.jpg"]
    out = rewrite_vtt(VTT, {"storyboard.jpg": "https://s3/signed?x=1"})
    assert "https://s3/signed?x=1#xywh=0,0,160,90" in out
    assert "https://s3/signed?x=1#xywh=160,0,160,90" in out
    assert out.startswith("WEBVTT")
    with pytest.raises(DamagedPlaylist):
        rewrite_vtt("not vtt", {})
