"""`media/subtitles.py`: the master keeps everything it had (the CMAF/EVENT work and audio groups
included) and gains one subtitles group; a language's playlist is one segment."""

from __future__ import annotations

from videoshare.media.subtitles import SubtitleTrack, subtitle_playlist, with_subtitles

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Main",DEFAULT=YES,AUTOSELECT=YES,URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2800000,AVERAGE-BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"
720p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=600000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
360p.m3u8
"""


def test_the_master_keeps_its_variants_and_gains_one_subtitles_group() -> None:
    tracks = [
        SubtitleTrack("en", "English", "subtitles/en.m3u8"),
        SubtitleTrack("pt-BR", "Português", "subtitles/pt-BR.m3u8"),
    ]
    lines = with_subtitles(MASTER, tracks).splitlines()
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in lines
    assert "#EXT-X-VERSION:7" in lines
    media = [line for line in lines if line.startswith("#EXT-X-MEDIA:")]
    assert len(media) == 3
    assert 'TYPE=AUDIO,GROUP-ID="aud"' in media[0]
    assert media[2] == (
        '#EXT-X-MEDIA:URI="subtitles/pt-BR.m3u8",TYPE=SUBTITLES,GROUP-ID="subs",'
        'LANGUAGE="pt-BR",NAME="Português",DEFAULT=NO,AUTOSELECT=YES'
    )
    variants = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
    assert variants[0] == (
        "#EXT-X-STREAM-INF:BANDWIDTH=2800000,AVERAGE-BANDWIDTH=2000000,RESOLUTION=1280x720,"
        'CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud",SUBTITLES="subs"'
    )
    assert [line for line in lines if line and not line.startswith("#")] == [
        "720p.m3u8",
        "360p.m3u8",
    ]


def test_without_tracks_or_on_a_media_playlist_the_text_is_unchanged() -> None:
    assert with_subtitles(MASTER, []) == MASTER
    media = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg.ts\n#EXT-X-ENDLIST\n"
    assert with_subtitles(media, [SubtitleTrack("en", "en", "subtitles/en.m3u8")]) == media


def test_a_subtitle_playlist_is_one_segment_as_long_as_the_video() -> None:
    text = subtitle_playlist("https://cdn.example/media/v/captions/en.vtt?Signature=a&b=c", 65.25)
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:66",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXTINF:65.25,",
        "https://cdn.example/media/v/captions/en.vtt?Signature=a&b=c",
        "#EXT-X-ENDLIST",
    ]
