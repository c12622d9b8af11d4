"""The one ffmpeg command: what it maps, encodes and packages, read from its arguments."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.media import probe_result
from videoshare.media.ffmpeg_command import ffmpeg_command, filter_graph
from videoshare.media.ladder import transcode_ladder
from videoshare.media.probe import ProbeResult
from videoshare.media.storyboard import plan_storyboard


def probed(width: int = 1280, height: int = 720, *, audio: bool = True) -> ProbeResult:
    return probe_result(width, height, audio=audio)


def command(source: ProbeResult) -> list[str]:
    rungs = transcode_ladder(source.width, source.height)
    plan = plan_storyboard(source.width, source.height, source.duration_s, source.frame_rate)
    return ffmpeg_command(Path("/work/source"), source, rungs, plan, threads=2)


def value_of(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_one_tee_output_packages_each_rung_once_as_cmaf_hls() -> None:
    argv = command(probed())
    tee = argv[argv.index("tee") + 1].split("|")
    assert [slave.rpartition("]")[2] for slave in tee] == [
        "hls/720p.m3u8", "hls/480p.m3u8", "hls/360p.m3u8", "hls/240p.m3u8",
    ]  # fmt: skip
    assert all("hls_time=4" in s and "hls_playlist_type=event" in s for s in tee)
    assert all("hls_segment_type=fmp4" in s for s in tee)
    assert "hls_segment_filename=hls/480p_%03d.m4s" in tee[1]
    assert "hls_fmp4_init_filename=480p_init.mp4" in tee[1]


def test_each_rung_selects_its_own_video_and_the_audio_of_its_bitrate() -> None:
    argv = command(probed())
    tee = argv[argv.index("tee") + 1].split("|")
    # 720p and 480p share the 128 kb/s encode, 360p and 240p the 96 kb/s one
    assert [s.partition(":f=")[0] for s in tee] == [
        "[select=v\\\\:0,a\\\\:0",
        "[select=v\\\\:1,a\\\\:0",
        "[select=v\\\\:2,a\\\\:1",
        "[select=v\\\\:3,a\\\\:1",
    ]
    assert value_of(argv, "-b:a:0") == "128000"
    assert value_of(argv, "-b:a:1") == "96000"
    assert value_of(argv, "-ac") == "2"  # stereo downmix
    assert argv.count("0:1") == 2  # the source's audio, encoded once per bitrate


def test_a_silent_source_maps_no_audio() -> None:
    argv = command(probed(audio=False))
    tee = argv[argv.index("tee") + 1]
    assert "a\\\\:" not in tee
    assert "-c:a" not in argv
    assert not any(arg.startswith("-b:a") for arg in argv)


def test_each_rung_is_encoded_once_with_keyframes_every_4_seconds() -> None:
    argv = command(probed())
    assert argv.count("-c:v") == 3  # x264 for the tee output, mjpeg for poster and sprite
    assert value_of(argv, "-c:v") == "libx264"
    assert value_of(argv, "-force_key_frames:v") == "expr:gte(t,n_forced*4)"
    assert value_of(argv, "-sc_threshold") == "0"
    assert [value_of(argv, f"-maxrate:v:{i}") for i in range(4)] == [
        "2800000", "1400000", "800000", "400000",
    ]  # fmt: skip
    # tuned for memory: one thread per encoder, a short lookahead, one B-frame
    assert value_of(argv, "-threads:v") == "1"
    assert value_of(argv, "-rc-lookahead") == "2"
    assert value_of(argv, "-bf") == "1"
    assert value_of(argv, "-threads") == "2"  # the decoder and filters keep the setting's cap


def test_the_filter_graph_cascades_and_branches_poster_and_storyboard() -> None:
    source = probed()
    rungs = transcode_ladder(source.width, source.height)
    graph = filter_graph(source, rungs, plan_storyboard(1280, 720, 10.0, 25.0)).split(";")
    assert graph[0].startswith("[0:0]scale=1280:720,setsar=1,")
    assert graph[0].endswith("split=3[r0][p][c0]")
    assert graph[1] == "[c0]scale=854:480,setsar=1,split=2[r1][c1]"
    assert graph[3] == "[c2]scale=426:240,setsar=1,split=2[r3][s]"  # the storyboard's source
    assert graph[4] == "[p]select=gte(t\\,1.000)[poster]"
    assert graph[5].endswith("scale=160:90,setsar=1,tile=10x1[storyboard]")


def test_a_single_rung_feeds_poster_and_storyboard_directly() -> None:
    source = probed(160, 120)
    rungs = transcode_ladder(160, 120)
    graph = filter_graph(source, rungs, plan_storyboard(160, 120, 10.0, 25.0)).split(";")
    assert graph[0].endswith("split=3[r0][p][s]")


def test_a_fast_source_is_resampled_to_60_fps() -> None:
    slow_motion = dataclasses.replace(probed(), frame_rate=240.0)
    rungs = transcode_ladder(1280, 720)
    graph = filter_graph(slow_motion, rungs, plan_storyboard(1280, 720, 10.0, 240.0))
    assert graph.startswith("[0:0]fps=60,scale=1280:720")
    assert "fps=" not in filter_graph(probed(), rungs, plan_storyboard(1280, 720, 10.0, 25.0))


def test_the_input_is_read_only_through_the_forced_demuxer_and_file_protocol() -> None:
    argv = command(probed())
    before_input = argv[: argv.index("-i")]
    assert value_of(before_input, "-f") == "mov"
    assert value_of(before_input, "-protocol_whitelist") == "file"
    assert value_of(argv, "-i") == "file:/work/source"
    assert "-nostdin" in before_input
    assert "-xerror" in before_input
