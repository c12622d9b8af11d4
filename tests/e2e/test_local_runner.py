"""`make run` (`videoshare run`) as a developer uses it: everything starts (two transcoders,
as `SCALE=transcoder=2` asks), the URLs are printed, Ctrl-C stops every process, even
mid-transcode, and the job's message is back on its queue (visible, its claim released) for
the next start, which finishes it (the video plays through the new ingress); a taken port, or
a clumsy SCALE, is one line, not a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
from asyncio.subprocess import Process
from pathlib import Path

import aiohttp
import psutil
import pytest

from tests.e2e.client import User
from tests.media import make_clip
from tests.media_checks import check_plays
from tests.support import child_env, eventually, unique_stack
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import open_clients
from videoshare.bus.dispatch import idempotency_key
from videoshare.domain.video import VideoStatus
from videoshare.infra.processes import processes
from videoshare.infra.resources import resolve
from videoshare.infra.topology import IDEMPOTENCY_TABLE, VIDEOS_TABLE
from videoshare.local.emulator import Emulator
from videoshare.settings import Settings
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.e2e

START_TIMEOUT_S = 90
STOP_DEADLINE_S = 60  # a deadline only: how long it takes is `make bench`'s (bench_recovery)


def runner_env(emulator_port: int, api_port: int, state_dir: Path) -> dict[str, str]:
    """`make run`'s environment on these ports, keeping its state in `state_dir` (never the
    developer's `.videoshare/`)."""
    env = child_env(Settings(stack="videoshare"))
    env.pop("AWS_ENDPOINT_URL")
    env.update(
        VIDEOSHARE_EMULATOR_PORT=str(emulator_port),
        VIDEOSHARE_API_PORT=str(api_port),
        VIDEOSHARE_STATE_DIR=str(state_dir),
    )
    return env


@pytest.mark.timeout(300)
async def test_run_starts_everything_and_ctrl_c_mid_transcode_hands_the_job_back(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The runner on the session's emulator (`VIDEOSHARE_EMULATOR_URL`: left running at the
    end), so the queue can be read after every process of the runner has exited; started again,
    it finishes the job it handed back."""
    api_port = free_port()
    stack = Settings(
        stack=unique_stack("run"),
        aws_endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    env = runner_env(free_port(), api_port, tmp_path / "state")
    env.update(
        VIDEOSHARE_STACK=stack.stack,
        VIDEOSHARE_EMULATOR_URL=emulator.endpoint,
        VIDEOSHARE_SCALE="transcoder=2",
    )
    clip = await asyncio.to_thread(
        make_clip, tmp_path / "long.mp4", seconds=40, width=426, height=240
    )
    output = tmp_path / "run.log"
    runner = await start_runner(env, tmp_path, output)

    def said() -> str:
        return output.read_text(errors="replace")

    try:
        await eventually(
            lambda: "Ctrl-C stops everything" in said() or runner.returncode is not None,
            timeout_s=START_TIMEOUT_S,
            interval_s=0.2,
            what="the banner",
        )
        assert f"http://127.0.0.1:{api_port}/v1" in said(), said()
        async with aiohttp.ClientSession() as http:
            user = await User(http, f"http://127.0.0.1:{api_port}").sign_up()
            created = await user.upload(clip, title="Interrupted by Ctrl-C")
        # One look at the tree that has an ffmpeg in it: counted apart, a short ffmpeg (the
        # poster's) can end between seeing it and counting.
        tree: list[psutil.Process] = []

        def transcoding() -> bool:
            tree[:] = psutil.Process(runner.pid).children(recursive=True)
            return any("ffmpeg" in _name(child) for child in tree)

        await eventually(
            transcoding, timeout_s=120, interval_s=0.05, what="the transcoder running ffmpeg"
        )
        children = tree
        # the ingress, every worker (the transcoder twice) and an ffmpeg
        assert len(children) >= len(processes()) + 2
        commands = [_command(p) for p in children]
        assert commands.count(["worker", "transcoder"]) == 2, commands
        # both say their first line, the second perhaps after the first has started a job
        await eventually(
            lambda: "transcoder-1 | " in said() and "transcoder-2 | " in said(),
            timeout_s=START_TIMEOUT_S,
            interval_s=0.2,
            what="lines from transcoder-1 and transcoder-2",
        )

        runner.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(runner.wait(), STOP_DEADLINE_S)
        assert code == 0, said()
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"left running: {alive}"

        # Handed back before the transcoder exited: visible now, its visibility timeout (20 s,
        # extended while it ran) notwithstanding, and no claim of the stopped attempt in the
        # way of the next start.
        async with open_clients(stack) as aws:
            resources = await resolve(aws, stack)
            received = await aws.sqs.receive_message(
                QueueUrl=resources.queue_urls["transcoder"], WaitTimeSeconds=0
            )
            (message,) = received["Messages"]
            event = json.loads(message["Body"])
            assert event["data"]["video_id"] == created["id"]
            claim = await aws.dynamodb.get_item(
                TableName=stack.table(IDEMPOTENCY_TABLE),
                Key={"key": {"S": idempotency_key("transcoder", event["id"])}},
                ConsistentRead=True,
            )
            assert "Item" not in claim
            # as the stop left it for the next start: visible (this look took it for a while)
            await aws.sqs.change_message_visibility(
                QueueUrl=resources.queue_urls["transcoder"],
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
        text = said()
        assert "handed_back" in text, text
        assert "Traceback" not in text
        # every line is one process's, prefixed with its name: no raw (JSON) log line
        raw = [line for line in text.splitlines() if line.strip() and " | " not in line]
        assert not raw, raw
        assert f"left the AWS emulator at {emulator.endpoint} running" in text

        # Started again, the runner takes the handed-back job up and the video ends ready.
        again = tmp_path / "run-again.log"
        runner = await start_runner(env, tmp_path, again)
        async with open_clients(stack) as aws:
            videos = VideoRepository(aws.dynamodb, stack.table(VIDEOS_TABLE))

            async def ready() -> bool:
                video = await videos.get(created["id"])
                assert video is not None
                return video.status is VideoStatus.READY

            await eventually(ready, timeout_s=180, interval_s=0.5, what="the video ready")
        # and it plays: what a player fetches through the restarted ingress is real media
        async with aiohttp.ClientSession() as http:
            user.http = http
            video = await user.call("GET", f"/v1/videos/{created['id']}", expect=200)
            await check_plays(http, video["hls_url"])
        runner.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(runner.wait(), STOP_DEADLINE_S) == 0, again.read_text()
    finally:
        if runner.returncode is None:
            tree = [psutil.Process(runner.pid), *psutil.Process(runner.pid).children(True)]
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
            await runner.wait()


async def start_runner(env: dict[str, str], cwd: Path, output: Path) -> Process:
    """`videoshare run` as a child in `cwd`, what it says (the terminal's lines) in `output`."""
    with output.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def test_a_taken_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    emulator_port, api_port = free_port(), free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", api_port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
            cwd=tmp_path,
            env=runner_env(emulator_port, api_port, tmp_path / "state"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {api_port}" in lines[0]
    assert "already taken" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_clumsy_scale_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    env = runner_env(free_port(), free_port(), tmp_path / "state")
    env["VIDEOSHARE_SCALE"] = "transcoder=0"
    result = subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "videoshare: SCALE: transcoder=0 must be a whole number from 1 to 16"
    ]
    assert not (tmp_path / ".run").exists()  # nothing started


def _name(process: psutil.Process) -> str:
    """A child's name; none for one that has just exited."""
    try:
        return process.name()
    except psutil.Error:
        return ""


def _command(process: psutil.Process) -> list[str]:
    """A child's last two arguments (`worker NAME`); none for one that has just exited (an
    ffmpeg done and not yet reaped is a zombie, whose command line cannot be read)."""
    try:
        return process.cmdline()[-2:]
    except psutil.Error:
        return []


def _kill_tree(runner: subprocess.Popen[bytes]) -> None:
    """After a failed test: the runner and every child it started, so nothing outlives the test."""
    if runner.poll() is not None:
        return
    tree = [psutil.Process(runner.pid), *psutil.Process(runner.pid).children(recursive=True)]
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(tree, timeout=10)
    runner.wait()
