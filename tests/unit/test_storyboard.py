"""The storyboard plan and its WebVTT: thumbnail times, sizes, the sprite grid."""

from __future__ import annotations

import pytest

from videoshare.media.storyboard import plan_storyboard, storyboard_vtt


def test_a_10_s_landscape_clip_gets_one_thumbnail_a_second_in_one_row() -> None:
    plan = plan_storyboard(1280, 720, 10.0, 25.0)
    assert (plan.interval_s, plan.count, plan.columns, plan.rows) == (1.0, 10, 10, 1)
    assert (plan.thumb_width, plan.thumb_height) == (160, 90)
    assert (plan.sprite_width, plan.sprite_height) == (1600, 90)


def test_a_portrait_clip_gets_portrait_thumbnails() -> None:
    plan = plan_storyboard(720, 1280, 2.0, 30.0)
    assert (plan.thumb_width, plan.thumb_height) == (90, 160)


def test_a_source_smaller_than_a_thumbnail_is_not_enlarged() -> None:
    plan = plan_storyboard(120, 90, 2.0, 25.0)
    assert (plan.thumb_width, plan.thumb_height) == (120, 90)


def test_a_long_video_gets_at_most_100_thumbnails_in_rows_of_10() -> None:
    plan = plan_storyboard(1920, 1080, 4 * 3600.0, 25.0)
    assert plan.count == 100
    assert plan.interval_s == pytest.approx(144.0)
    assert (plan.columns, plan.rows) == (10, 10)


def test_only_times_a_frame_exists_at_get_a_thumbnail() -> None:
    # at 25 fps the last frame of a 2.0 s clip starts at 1.96 s: thumbnails at 0 and 1 s
    assert plan_storyboard(320, 240, 2.0, 25.0).count == 2
    # a 0.4 s clip still gets its one thumbnail
    assert plan_storyboard(320, 240, 0.4, 25.0).count == 1
    # unknown frame rate: assume frames no further apart than 0.1 s
    assert plan_storyboard(320, 240, 3.05, None).count == 3


def test_the_vtt_has_contiguous_cues_pointing_into_the_sprite() -> None:
    plan = plan_storyboard(640, 360, 12.5, 25.0)  # 13 thumbnails: a second, partial row
    text = storyboard_vtt(plan)
    header, *cues = text.strip().split("\n\n")
    assert header == "WEBVTT"
    assert len(cues) == 13
    assert cues[0] == "00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90"
    assert cues[10] == "00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,90,160,90"
    assert cues[12] == "00:00:12.000 --> 00:00:12.500\nstoryboard.jpg#xywh=320,90,160,90"
    assert (plan.sprite_width, plan.sprite_height) == (1600, 180)


def test_cue_times_past_an_hour_are_written_in_full() -> None:
    plan = plan_storyboard(640, 360, 2 * 3600.0, 25.0)
    assert "01:00:00.000 --> 01:01:12.000" in storyboard_vtt(plan)


def test_a_video_without_size_is_refused() -> None:
    with pytest.raises(ValueError, match="positive size"):
        plan_storyboard(0, 360, 2.0, 25.0)
