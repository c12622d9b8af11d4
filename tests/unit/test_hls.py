"""HLS playlists: reading ffmpeg's media playlists, measuring bandwidth, writing the master."""

from __future__ import annotations

import pytest

from videoshare.media.hls import (
    PlaylistError,
    Variant,
    avc1_codec,
    average_bandwidth,
    event_playlist,
    finished_segments,
    master_playlist,
    parse_master_playlist,
    parse_media_playlist,
    peak_bandwidth,
)

FFMPEG_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-MAP:URI="360p_init.mp4"
#EXTINF:4.000000,
360p_000.m4s
#EXTINF:4.000000,
360p_001.m4s
#EXTINF:2.000000,
360p_002.m4s
#EXT-X-ENDLIST
"""


def test_a_media_playlist_as_ffmpeg_writes_it_is_read() -> None:
    playlist = parse_media_playlist(FFMPEG_PLAYLIST)
    assert playlist.target_duration_s == 4
    assert playlist.ended
    assert playlist.init_uri == "360p_init.mp4"
    assert [(s.duration_s, s.uri) for s in playlist.segments] == [
        (4.0, "360p_000.m4s"),
        (4.0, "360p_001.m4s"),
        (2.0, "360p_002.m4s"),
    ]


def test_while_ffmpeg_runs_the_stored_playlist_names_only_stored_segments_and_grows() -> None:
    growing = FFMPEG_PLAYLIST.replace("#EXT-X-ENDLIST\n", "")
    assert event_playlist(growing, {"360p_000.m4s"}) is None  # no init segment stored yet
    assert event_playlist(growing, {"360p_init.mp4"}) is None  # no segment stored yet
    first = event_playlist(growing, {"360p_init.mp4", "360p_000.m4s", "360p_002.m4s"})
    assert first is not None
    parsed = parse_media_playlist(first)
    assert (parsed.init_uri, parsed.ended) == ("360p_init.mp4", False)
    assert [s.uri for s in parsed.segments] == ["360p_000.m4s"]  # in order: not past a gap
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in first
    stored = {"360p_init.mp4", "360p_000.m4s", "360p_001.m4s", "360p_002.m4s"}
    # ffmpeg's last word (with its end) is stored as it is, after ffmpeg: this one never ends
    done = event_playlist(FFMPEG_PLAYLIST, stored)
    assert done is not None
    assert "#EXT-X-ENDLIST" not in done
    assert len(parse_media_playlist(done).segments) == 3


def test_an_unfinished_playlist_says_so() -> None:
    assert not parse_media_playlist(FFMPEG_PLAYLIST.replace("#EXT-X-ENDLIST\n", "")).ended


@pytest.mark.parametrize(
    "uri",
    ["/etc/passwd", "file:///etc/passwd", "http://example.com/a.ts", "../other/a.ts", "sub/a.ts"],
)
def test_a_segment_uri_that_is_not_a_sibling_file_is_refused(uri: str) -> None:
    with pytest.raises(PlaylistError, match="not a file name relative"):
        parse_media_playlist(FFMPEG_PLAYLIST.replace("360p_001.m4s", uri))


def test_an_init_segment_that_is_not_a_sibling_file_is_refused() -> None:
    with pytest.raises(PlaylistError, match="not a file name relative"):
        parse_media_playlist(FFMPEG_PLAYLIST.replace("360p_init.mp4", "../x/init.mp4"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a playlist",
        "#EXTM3U\n#EXTINF:4,\n",
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:four,\na.m4s\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p.m3u8\n",
    ],
    ids=["empty", "text", "no-target-duration", "bad-duration", "a-master"],
)
def test_malformed_media_playlists_are_refused(text: str) -> None:
    with pytest.raises(PlaylistError):
        parse_media_playlist(text)


def test_peak_bandwidth_is_the_densest_run_of_about_one_target_duration() -> None:
    # 4 s segments of 1 MB, 2 MB, 1 MB: the densest run within 2..6 s is the 2 MB segment
    segments = [(4.0, 1_000_000), (4.0, 2_000_000), (4.0, 1_000_000)]
    assert peak_bandwidth(segments, 4) == 4_000_000  # 2 MB * 8 / 4 s
    assert average_bandwidth(segments) == round(4_000_000 * 8 / 12)


def test_a_short_last_segment_alone_does_not_set_the_peak() -> None:
    # 0.5 s is under half the target duration: it only counts together with its neighbour
    segments = [(4.0, 1_000_000), (0.5, 500_000)]
    assert peak_bandwidth(segments, 4) == round(1_500_000 * 8 / 4.5)


def test_a_video_shorter_than_half_a_segment_gets_its_average_as_peak() -> None:
    segments = [(1.0, 100_000)]
    assert peak_bandwidth(segments, 4) == average_bandwidth(segments) == 800_000


def test_the_codec_name_comes_from_the_avcc_record() -> None:
    # configurationVersion 1, High profile (100), no constraints, level 3.1
    assert avc1_codec(bytes([1, 100, 0, 31, 0xFF])) == "avc1.64001f"
    with pytest.raises(PlaylistError):
        avc1_codec(b"\x00\x00\x00\x01")  # Annex B start code, not avcC


def test_the_master_playlist_lists_every_variant_and_reads_back() -> None:
    variants = [
        Variant("720p.m3u8", 3_100_000, 2_500_000, 1280, 720, "avc1.64001f,mp4a.40.2", 25.0),
        Variant("240p.m3u8", 520_000, 410_000, 426, 240, "avc1.640015,mp4a.40.2", 25.0),
    ]
    text = master_playlist(variants)
    assert text.startswith("#EXTM3U\n")
    assert parse_master_playlist(text) == [
        (
            {
                "BANDWIDTH": "3100000",
                "AVERAGE-BANDWIDTH": "2500000",
                "RESOLUTION": "1280x720",
                "CODECS": "avc1.64001f,mp4a.40.2",
                "FRAME-RATE": "25.000",
            },
            "720p.m3u8",
        ),
        (
            {
                "BANDWIDTH": "520000",
                "AVERAGE-BANDWIDTH": "410000",
                "RESOLUTION": "426x240",
                "CODECS": "avc1.640015,mp4a.40.2",
                "FRAME-RATE": "25.000",
            },
            "240p.m3u8",
        ),
    ]


def test_the_master_playlist_never_writes_an_absolute_uri() -> None:
    with pytest.raises(PlaylistError):
        master_playlist([Variant("/tmp/x/720p.m3u8", 1, 1, 2, 2, "avc1.64001f")])


def test_every_segment_but_the_last_of_each_rendition_is_finished() -> None:
    names = ["1080p_000.m4s", "1080p_001.m4s", "1080p_002.m4s", "240p_000.m4s", "240p_001.m4s"]
    assert finished_segments(names) == ["1080p_000.m4s", "1080p_001.m4s", "240p_000.m4s"]


def test_numbers_are_compared_as_numbers_past_a_thousand_segments() -> None:
    assert finished_segments(["240p_999.m4s", "240p_1000.m4s"]) == ["240p_999.m4s"]


def test_a_lone_segment_playlists_and_strangers_are_never_finished() -> None:
    names = ["720p_000.m4s", "720p.m3u8", "master.m3u8", "720p_001.m4s.tmp", "notes_1.m4s", ".x"]
    names += ["720p_init.mp4", "720p_000.ts"]
    assert finished_segments(names) == []
