"""Magic-byte sniffing of an upload's first bytes."""

from __future__ import annotations

import pytest

from videoshare.media.sniff import ISO_BMFF, MATROSKA, SNIFF_BYTES, sniff_container


def ftyp(brand: bytes, *compatible: bytes) -> bytes:
    body = brand + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body


def box(kind: bytes, size: int = 8) -> bytes:
    return size.to_bytes(4, "big") + kind


@pytest.mark.parametrize(
    "head",
    [
        ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"),  # MP4 from FFmpeg
        ftyp(b"mp42", b"mp42", b"isom"),  # MP4 from cameras
        ftyp(b"qt  ", b"qt  "),  # MOV from iPhones and QuickTime
        ftyp(b"M4V ", b"M4V ", b"M4A "),  # iTunes video
        ftyp(b"3gp4", b"3gp4", b"isom"),  # 3GP from old phones
        ftyp(b"3g2a", b"3g2a"),
        ftyp(b"mjp2", b"mjp2"),  # Motion JPEG 2000
    ],
)
def test_iso_bmff_files_with_an_ftyp_box_are_accepted(head: bytes) -> None:
    assert sniff_container(head + b"\x00" * 40) == ISO_BMFF


@pytest.mark.parametrize("kind", [b"moov", b"mdat", b"free", b"wide", b"skip"])
def test_old_quicktime_files_without_ftyp_are_accepted(kind: bytes) -> None:
    assert sniff_container(box(kind, 8) + box(b"mdat", 0)) == ISO_BMFF


@pytest.mark.parametrize(
    "head",
    [
        bytes.fromhex("1a45dfa3a34286810142f7810142f2810442f381084282886d6174726f736b61"),
        bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d"),
    ],
    ids=["matroska", "webm"],
)
def test_matroska_and_webm_are_accepted_by_their_ebml_magic(head: bytes) -> None:
    assert sniff_container(head) == MATROSKA


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x00\x00\x00",
        b"This is a shopping list, not a video.\n",
        b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n/etc/passwd\n",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",  # JPEG
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # PNG
        b"GIF89a\x01\x00\x01\x00",
        b"RIFF\x24\x00\x00\x00AVI LIST",  # AVI: a real video, but not a container we accept
        b"\x47\x40\x00\x10\x00\x00\xb0\x0d",  # MPEG-TS
        b"ffconcat version 1.0\nfile '/etc/passwd'\n",
        b"<?xml version='1.0'?><MPD/>",  # DASH manifest
    ],
    ids=[
        "empty",
        "short",
        "text",
        "hls",
        "jpeg",
        "png",
        "gif",
        "avi",
        "mpeg-ts",
        "ffconcat",
        "dash",
    ],
)
def test_everything_else_is_refused(head: bytes) -> None:
    assert sniff_container(head) is None


@pytest.mark.parametrize("brand", [b"heic", b"mif1", b"avif", b"avis", b"msf1"])
def test_still_images_in_an_iso_bmff_wrapper_are_refused(brand: bytes) -> None:
    assert sniff_container(ftyp(brand, b"mif1", brand)) is None


@pytest.mark.parametrize("size", [0, 8, 12, 18])
def test_an_ftyp_box_of_impossible_size_is_refused(size: int) -> None:
    assert sniff_container(size.to_bytes(4, "big") + b"ftypisom" + b"\x00" * 20) is None


def test_a_first_quicktime_box_smaller_than_its_header_is_refused() -> None:
    assert sniff_container(box(b"moov", 5) + b"\x00" * 20) is None


def test_the_sniff_window_covers_the_longest_signature_we_read() -> None:
    assert SNIFF_BYTES >= 12
    assert sniff_container(ftyp(b"isom", b"isom")[:12]) == ISO_BMFF
