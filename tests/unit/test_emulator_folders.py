"""A state folder or log folder the emulator cannot use is one line and exit 2, before any
process starts: `videoshare emulator --state-dir FILE` and a `make run` whose
`VIDEOSHARE_STATE_DIR` names a file both go through `start_emulator`."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoshare.entrypoints.cli.main import main
from videoshare.local.emulator import EmulatorFailed, start_emulator
from videoshare.tcp_ports import free_port


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a folder")
    return path


def test_a_state_folder_that_is_a_file_is_refused_before_anything_starts(a_file: Path) -> None:
    with pytest.raises(EmulatorFailed, match=f"cannot keep the AWS emulator's files in {a_file}"):
        start_emulator(port=free_port(), state_dir=a_file)


def test_a_log_folder_under_a_file_is_refused(a_file: Path) -> None:
    with pytest.raises(EmulatorFailed, match="cannot keep the AWS emulator's files in"):
        start_emulator(port=free_port(), log_path=a_file / "emulator.log")


def test_the_command_says_it_in_one_line_and_exits_2(
    a_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--port", str(free_port()), "--state-dir", str(a_file)])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("videoshare: cannot keep the AWS emulator's files in"), err
    assert len(err.strip().splitlines()) == 1, err
