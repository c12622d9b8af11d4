"""Magic-byte check of an upload's first bytes: is it a video container we accept at all?

Two container families are accepted, each read by one FFmpeg demuxer:

    iso-bmff  MP4, MOV, M4V, 3GP, 3G2, MJ2: an `ftyp` box at offset 4, or (old QuickTime
              files) a first box of type `moov`, `mdat`, `free`, `wide` or `skip`
    matroska  Matroska and WebM: the EBML magic 1A 45 DF A3

Everything else (text, JPEG, PNG, HLS playlists, empty files, still images in an ISO-BMFF
wrapper such as HEIC and AVIF) is None. Passing this check means "worth probing", not "valid".
"""

from __future__ import annotations

from typing import Final, Literal

ContainerFamily = Literal["iso-bmff", "matroska"]
ISO_BMFF: Final = "iso-bmff"
MATROSKA: Final = "matroska"

SNIFF_BYTES: Final = 64
"""How many leading bytes of a file `sniff_container` wants (fewer are fine, more are ignored)."""

_EBML_MAGIC: Final = b"\x1a\x45\xdf\xa3"
_QUICKTIME_FIRST_BOXES: Final = frozenset({b"moov", b"mdat", b"free", b"wide", b"skip"})
# Major brands of ISO-BMFF files that hold still images (HEIF/HEIC, AVIF, JPEG in HEIF, ...).
_STILL_IMAGE_BRANDS: Final = frozenset(
    {
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
        b"mif1", b"mif2", b"msf1", b"avif", b"avis", b"avci", b"avcs", b"jpeg", b"jpgs",
    }
)  # fmt: skip
_FTYP_MIN_SIZE: Final = 16  # size + type + major brand + minor version


def sniff_container(head: bytes) -> ContainerFamily | None:
    """The container family of a file starting with `head`, or None when we do not accept it."""
    if head.startswith(_EBML_MAGIC):
        return MATROSKA
    if len(head) < 8:
        return None
    box_size = int.from_bytes(head[0:4], "big")
    box_type = head[4:8]
    if box_type == b"ftyp":
        return ISO_BMFF if _is_video_ftyp(head, box_size) else None
    if box_type in _QUICKTIME_FIRST_BOXES and (box_size in (0, 1) or box_size >= 8):
        return ISO_BMFF
    return None


def _is_video_ftyp(head: bytes, box_size: int) -> bool:
    if box_size < _FTYP_MIN_SIZE or box_size % 4 or len(head) < 12:
        return False
    return head[8:12] not in _STILL_IMAGE_BRANDS
