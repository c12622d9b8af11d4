"""`make run`'s emulator keeps its state across a clean stop (`local/emulator_state.py`): an
account (and the session it had), a ready video's record and objects (its HLS stream plays
through an ingress started after), and a message that was in flight at the stop, which is
handed out again after the start. A snapshot of another version
is set aside, said in one line, and the emulator starts empty. `videoshare emulator
--state-dir DIR`, run alone, keeps its state there too.

The suite's own emulator never has a state folder; these start one of their own."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.integration.api_support import (
    PASSWORD,
    make_playable,
    make_ready,
    provisioned_stack,
    running_api,
    unique_email,
)
from tests.media_checks import check_plays
from tests.records import new_video
from tests.support import eventually, unique_stack
from videoshare.aws import open_clients
from videoshare.bootstrap import open_dependencies
from videoshare.domain.video import VideoStatus
from videoshare.local.emulator import Emulator, start_emulator
from videoshare.local.emulator_state import STATE_FILE
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port
from videoshare.usecases.downloads import SOURCE, SourceDownload, download_of, source_url

pytestmark = pytest.mark.integration

STOP_DEADLINE_S = 60  # a deadline only: the save takes about a second


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def started(tmp_path: Path, state_dir: Path) -> Iterator[list[Emulator]]:
    """Emulators started on one port with one state folder; each stopped at the end."""
    emulators: list[Emulator] = []
    yield emulators
    for emulator in emulators:
        emulator.stop()


def _start(started: list[Emulator], state_dir: Path, port: int) -> Emulator:
    emulator = start_emulator(
        port=port, log_path=state_dir.parent / "emulator.log", state_dir=state_dir
    )
    started.append(emulator)
    return emulator


async def test_accounts_videos_and_queued_work_survive_a_clean_stop(
    started: list[Emulator], state_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    first = _start(started, state_dir, port)
    assert first.said() == [f"none saved in {state_dir} yet; starting empty"]
    # What the ingress and the workers do, without starting them: their wiring.
    async with provisioned_stack(first) as stack, open_dependencies(stack.settings) as deps:
        email = unique_email()
        user_id = (await deps.identity.register(email, PASSWORD, None)).user_id
        session = await deps.identity.login(email, PASSWORD)
        video = new_video(owner_id=user_id)
        await deps.videos.create(video)
        ready = await make_ready(stack.aws, stack.settings, video.id)
        await make_playable(stack.aws, stack.settings, ready, tmp_path)
        queue = stack.resources.queue_urls["notifier"]
        await stack.aws.sqs.send_message(QueueUrl=queue, MessageBody="queued before the stop")
        taken = await stack.aws.sqs.receive_message(QueueUrl=queue, VisibilityTimeout=2)
        assert [m["Body"] for m in taken["Messages"]] == ["queued before the stop"]  # in flight
    settings = stack.settings
    first.stop()
    assert first.process.returncode == 0
    assert any(line.startswith("saved ") for line in first.said())

    second = _start(started, state_dir, port)
    assert any(line.startswith("loaded ") for line in second.said()), second.said()
    async with open_dependencies(settings, signs_media=True) as deps:
        assert deps.resources.queue_urls["notifier"] == queue

        async def handed_out_again() -> bool:
            answer = await deps.aws.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)
            return [m["Body"] for m in answer.get("Messages", [])] == ["queued before the stop"]

        await eventually(handed_out_again, timeout_s=15, what="the in-flight message came back")
        assert (await deps.identity.profile(session.access_token)).user_id == user_id
        assert (await deps.identity.login(email, PASSWORD)).access_token
        kept = await deps.videos.get(video.id)
        assert kept is not None
        assert kept.status is VideoStatus.READY
        download = await download_of(deps, video.id, SOURCE, user_id)
        assert isinstance(download, SourceDownload)
        url = await source_url(deps, video.id, download)
    async with aiohttp.ClientSession() as http, http.get(url) as media:
        assert media.status == 200
        assert await media.read() == b"source-bytes"  # the original, as make_ready stored it
    assert kept.source_key in url
    # and it plays: the ingress, started on the emulator's saved state, serves its HLS stream
    bearer = {"Authorization": f"Bearer {session.access_token}"}
    async with running_api(settings) as api, aiohttp.ClientSession() as http:
        answer = await api.get(f"/v1/videos/{video.id}", headers=bearer)
        assert answer.status == 200
        await check_plays(http, (await answer.json())["hls_url"])


def test_a_snapshot_of_another_version_is_set_aside_and_the_emulator_starts_empty(
    started: list[Emulator], state_dir: Path
) -> None:
    state_dir.mkdir()
    (state_dir / STATE_FILE).write_bytes(b"videoshare-emulator-state 0 moto 4.0.0\n\x80junk")
    emulator = _start(started, state_dir, free_port())
    [line] = emulator.said()
    assert "could not be loaded (it was written by another version" in line
    assert line.endswith("; starting empty")
    [aside] = state_dir.glob(f"{STATE_FILE}.unreadable-*")
    assert aside.read_bytes().endswith(b"\x80junk")  # kept, as it was
    assert not (state_dir / STATE_FILE).exists()
    emulator.stop()
    assert (state_dir / STATE_FILE).exists()  # the new, empty state replaces it


async def test_the_emulator_run_alone_with_a_state_dir_saves_there_when_stopped(
    tmp_path: Path, state_dir: Path
) -> None:
    """Stopped with SIGTERM, which the command turns into the KeyboardInterrupt a Ctrl-C
    raises, so both stops take one path (and this one covers the handler too)."""
    port = free_port()
    output = tmp_path / "emulator.out"
    argv = ["emulator", "--port", str(port), "--state-dir", str(state_dir)]
    with output.open("wb") as out:
        cli = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "videoshare.entrypoints.cli.main", *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        await eventually(
            lambda: "Ctrl-C stops it" in output.read_text() or cli.returncode is not None,
            timeout_s=30,
            what="the emulator's banner",
        )
        endpoint = f"http://127.0.0.1:{port}"
        settings = Settings(stack=unique_stack("alone"), aws_endpoint_url=endpoint)
        async with open_clients(settings) as aws:
            await aws.sqs.create_queue(QueueName=settings.stack)
        cli.send_signal(signal.SIGTERM)  # the command stops the emulator, which saves
        assert await asyncio.wait_for(cli.wait(), STOP_DEADLINE_S) == 0, output.read_text()
    finally:
        if cli.returncode is None:
            cli.kill()
            await cli.wait()
    said = output.read_text()
    assert f"emulator state: none saved in {state_dir} yet; starting empty" in said, said
    assert "emulator state: saved " in said, said
    assert (state_dir / STATE_FILE).stat().st_size > 0
    assert settings.stack.encode() in (state_dir / STATE_FILE).read_bytes()  # the queue's name
