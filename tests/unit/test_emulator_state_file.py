"""A snapshot that has the right header but cannot be unpickled (a damaged file) is moved
aside, never half-loaded, and the error says where it went (`local/emulator_state.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoshare.local.emulator_state import HEADER, STATE_FILE, Unreadable, load


def test_no_snapshot_is_nothing_to_load(tmp_path: Path) -> None:
    assert load(tmp_path) is None


def test_a_damaged_snapshot_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_bytes(HEADER + b"\x80\x05not a pickle")
    with pytest.raises(Unreadable, match="could not be loaded") as raised:
        load(tmp_path)
    [aside] = tmp_path.glob(f"{STATE_FILE}.unreadable-*")
    assert str(aside) in str(raised.value)
    assert aside.read_bytes() == HEADER + b"\x80\x05not a pickle"
    assert not (tmp_path / STATE_FILE).exists()
