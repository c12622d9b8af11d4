"""The top-level box walk that finds an MP4 cut short in its media data."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoshare.media.boxes import Shortfall, top_level_shortfall


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def large_box(kind: bytes, payload: bytes) -> bytes:
    return (1).to_bytes(4, "big") + kind + (16 + len(payload)).to_bytes(8, "big") + payload


FTYP = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2")


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.mp4"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        FTYP + box(b"moov", b"m" * 50) + box(b"mdat", b"d" * 1000),
        FTYP + box(b"moov", b"m" * 50) + large_box(b"mdat", b"d" * 1000),
        FTYP + box(b"mdat", b"d" * 10) + b"\x00\x00\x00\x00",  # padding after the last box
        FTYP + (0).to_bytes(4, "big") + b"mdat" + b"d" * 100,  # size 0: to the end
    ],
    ids=["plain", "64-bit-size", "padding", "to-the-end"],
)
def test_a_whole_file_has_no_shortfall(tmp_path: Path, data: bytes) -> None:
    assert top_level_shortfall(write(tmp_path, data)) is None


def test_media_data_cut_short_is_measured(tmp_path: Path) -> None:
    whole = FTYP + box(b"moov", b"m" * 50) + box(b"mdat", b"d" * 1000)
    assert top_level_shortfall(write(tmp_path, whole[:-300])) == Shortfall("mdat", 300)


def test_a_64_bit_box_cut_short_is_measured(tmp_path: Path) -> None:
    whole = FTYP + large_box(b"mdat", b"d" * 1000)
    assert top_level_shortfall(write(tmp_path, whole[:-1])) == Shortfall("mdat", 1)


def test_a_box_smaller_than_its_header_is_impossible(tmp_path: Path) -> None:
    data = FTYP + (4).to_bytes(4, "big") + b"moov" + b"x" * 100
    assert top_level_shortfall(write(tmp_path, data)) == Shortfall("moov", 0)
