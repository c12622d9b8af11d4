"""`make run`: the whole stack on one machine, every process's output in one terminal.

Starts the embedded emulator (or uses the one at `VIDEOSHARE_EMULATOR_URL`, left running at
the end, its data with it), provisions the topology, then the ingress and every worker as
processes of their own (as containers would run them), each line prefixed with its name.
Ctrl-C (or SIGTERM) stops the children first, then the emulator; so does SIGINT or SIGTERM
sent to the `make` of `make run` alone, as IDEs and scripts send it (`parent_make.py`).
Stopping takes seconds even mid-transcode: the workers hand the jobs in flight back at once
(`VIDEOSHARE_SHUTDOWN_DRAIN_S=0`), so the next start takes them; a child still running after
`STOP_GRACE_S` is killed, and a second Ctrl-C kills every child at once.

It supervises as an orchestrator would: a child that dies is restarted after a backoff
(1 s, doubling to 30 s; back to 1 s once a child has stayed up a minute), its death and restart
said in the shared output. The emulator dying is not survivable (its state is in memory, saved
only at a clean stop): one line, and everything stops. Each worker's health server gets a free
port, printed at start.

The emulator keeps its state in `STATE_DIR` (`.videoshare/`, or `VIDEOSHARE_STATE_DIR`): loaded
at start, saved when it is stopped after every other process (`local/emulator_state.py`);
`make clean-data` removes it.

`make run SCALE=transcoder=2` (`VIDEOSHARE_SCALE`, `scale.py`) starts several processes of a
worker, as an ECS service runs several tasks: `transcoder-1`, `transcoder-2`, each with its own
health port, supervised and stopped like every other child.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from videoshare.aws import open_clients
from videoshare.children import die_with_parent
from videoshare.infra.processes import INGRESS, processes
from videoshare.infra.provision import provision
from videoshare.local.emulator import DEFAULT_PORT, LOCAL_CREDENTIALS, Emulator, start_emulator
from videoshare.local.parent_make import make_parent, stop_with_make
from videoshare.local.scale import SCALE_ENV, ScaleError, copy_names, parse_scale
from videoshare.logs import configure_logging
from videoshare.settings import Settings
from videoshare.tcp_ports import ensure_port_free, free_port

STOP_GRACE_S = 8  # within the 10 s Ctrl-C promises; the emulator's save comes after
RESTART_FIRST_S = 1.0
RESTART_MAX_S = 30.0
STABLE_AFTER_S = 60.0  # a child up this long counts as healthy again: backoff starts over
READY_TIMEOUT_S = 60
RUN_DIR = Path(".run")
STATE_DIR = Path(".videoshare")
COLORS = ("36", "33", "35", "32", "34", "31", "96", "93")


@dataclass
class Child:
    name: str
    argv: list[str]
    color: str
    env: dict[str, str] = field(default_factory=dict)  # on top of the shared environment
    process: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = field(default=None, repr=False)
    restarts: int = 0


def run_stack() -> int:
    """Run until Ctrl-C; the exit code says whether everything stopped cleanly."""
    emulator_port = int(os.environ.get("VIDEOSHARE_EMULATOR_PORT", DEFAULT_PORT))
    external = os.environ.get("VIDEOSHARE_EMULATOR_URL")  # one already running: use it
    endpoint = external or f"http://127.0.0.1:{emulator_port}"
    env_overrides = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        **LOCAL_CREDENTIALS,
    }
    try:
        scale = parse_scale(
            os.environ.get(SCALE_ENV, ""), [p.name for p in processes() if p.is_worker]
        )
    except ScaleError as exc:
        print(f"videoshare: {exc}", file=sys.stderr)
        return 2
    os.environ.update(env_overrides)
    settings = Settings()
    # Fail fast, in one line, before anything starts.
    if not external:
        ensure_port_free("127.0.0.1", emulator_port, "AWS emulator")
    ensure_port_free(settings.api_host, settings.api_port, "ingress")
    RUN_DIR.mkdir(exist_ok=True)
    # The runner's own log lines (provisioning's, say) are prefixed like its children's, so
    # nothing but formatted lines reaches the terminal (or the IDE's pipe).
    configure_logging("runner", fmt="console", out=_RunnerLines())
    if external:
        try:
            return asyncio.run(_run(settings, None, endpoint, scale))
        except KeyboardInterrupt:
            return 130
        finally:
            _say("runner", "37", f"left the AWS emulator at {endpoint} running; bye")
    state_dir = Path(os.environ.get("VIDEOSHARE_STATE_DIR", STATE_DIR))
    started = time.monotonic()
    emulator = start_emulator(
        port=emulator_port, log_path=RUN_DIR / "emulator.log", state_dir=state_dir
    )
    _say_state(emulator, f"the AWS emulator answered after {time.monotonic() - started:.1f} s")
    try:
        return asyncio.run(_run(settings, emulator, endpoint, scale))
    except KeyboardInterrupt:
        return 130
    finally:
        # It saves its state first: about a second, more with many files (`emulator.py`'s
        # SAVE_TIMEOUT_S); a second Ctrl-C ends the runner, and the emulator with it, unsaved.
        _say("runner", "37", f"stopping the AWS emulator; it saves its state in {state_dir}/")
        said_before = len(emulator.said())
        started = time.monotonic()
        emulator.stop()
        _say_state(emulator, f"stopped after {time.monotonic() - started:.1f} s", said_before)
        _say("runner", "37", "stopped the AWS emulator; bye")


def _say_state(emulator: Emulator, timing: str, skip: int = 0) -> None:
    """The emulator's own lines about its state (loaded, saved, set aside), then `timing`."""
    for line in emulator.said()[skip:]:
        _say("emulator", "37", line)
    _say("runner", "37", timing)


async def _run(
    settings: Settings, emulator: Emulator | None, endpoint: str, scale: dict[str, int]
) -> int:
    where = f" (log: {RUN_DIR / 'emulator.log'})" if emulator else ", already running"
    _say("runner", "37", f"AWS emulator on {endpoint}{where}")
    async with open_clients(settings) as aws:
        resources = await provision(aws, settings)
    _say("runner", "37", f"provisioned stack {settings.stack!r}: bucket {resources.bucket}")
    # Each process as deployed (`infra/processes.py`, the ingress first), by its command, as
    # many copies of a worker as SCALE says; the copies of one worker share its color.
    exe = [sys.executable, "-m", "videoshare.entrypoints.cli.main"]
    children: list[Child] = []
    ports: set[int] = set()
    for i, process in enumerate(processes()):
        for name in copy_names(process.name, scale.get(process.name, 1)):
            own: dict[str, str] = {}
            if process.is_worker:
                port = _another_free_port(settings.health_host, ports)
                own = {"VIDEOSHARE_HEALTH_PORT": str(port)}
            children.append(Child(name, [*exe, *process.command], COLORS[i % len(COLORS)], env=own))
    assert children[0].name == INGRESS
    env = {
        **os.environ,
        "VIDEOSHARE_LOG_FORMAT": "console",
        "PYTHONUNBUFFERED": "1",
        # short polls: Ctrl-C never waits for a 20 s long poll to come back
        "VIDEOSHARE_WAIT_TIME_S": os.environ.get("VIDEOSHARE_WAIT_TIME_S", "2"),
        # Ctrl-C hands the jobs in flight back at once: the next start takes them
        "VIDEOSHARE_SHUTDOWN_DRAIN_S": os.environ.get("VIDEOSHARE_SHUTDOWN_DRAIN_S", "0"),
    }
    if sys.stdout.isatty():
        env["FORCE_COLOR"] = "1"
    stop = asyncio.Event()
    hurry = asyncio.Event()  # a second Ctrl-C: kill, do not wait

    def on_signal() -> None:
        (hurry if stop.is_set() else stop).set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    make = make_parent()
    make_watch = asyncio.create_task(stop_with_make(make, stop)) if make else None
    for child in children:
        await _start(child, env)
    base = f"http://{settings.api_host}:{settings.api_port}"
    if await _ingress_ready(base, stop, children[0]):
        _banner(
            [
                ("web app", f"{base}/"),
                ("API", f"{base}/v1"),
                ("readiness", f"{base}/readyz"),
                ("AWS emulator", endpoint),
                *(
                    (
                        f"{c.name} health",
                        f"http://{settings.health_host}:{c.env['VIDEOSHARE_HEALTH_PORT']}/metrics",
                    )
                    for c in children[1:]
                ),
            ]
        )
    watchers = [asyncio.create_task(_supervise(child, stop, env)) for child in children]
    emulator_died = await _until_stopped_or_dead(stop, emulator)
    code = 0
    if emulator_died:
        _say(
            "runner",
            "31",
            "the AWS emulator died: what changed since it started is lost "
            "(it saves only at a clean stop); stopping",
        )
        code = 1
    stop.set()
    await _stop_all(children, hurry)
    # Every child has exited, so every supervisor returns (one that was restarting a child
    # at the moment of the stop stops that new process itself).
    await asyncio.gather(*watchers)
    if make_watch:
        await make_watch
    return code


def _another_free_port(host: str, taken: set[int]) -> int:
    """A free port not handed out already: the copies of one worker must not share one (the
    kernel may hand the same free port out twice, as nothing holds it between the calls)."""
    while (port := free_port(host)) in taken:
        pass
    taken.add(port)
    return port


async def _until_stopped_or_dead(stop: asyncio.Event, emulator: Emulator | None) -> bool:
    """Wait for Ctrl-C; True when the emulator (ours) died first. Polled, so no thread is
    left blocked on the emulator when the loop closes."""
    while not stop.is_set():
        if emulator is not None and emulator.process.poll() is not None:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)
    return False


async def _ingress_ready(base: str, stop: asyncio.Event, ingress: Child) -> bool:
    """Poll /readyz until it answers 200 (or the ingress exits, or Ctrl-C)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while not stop.is_set() and time.monotonic() < deadline:
            if ingress.process is None or ingress.process.returncode is not None:
                return False
            try:
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, TimeoutError):  # not up yet, or slow to answer
                pass
            await asyncio.sleep(0.2)
    if not stop.is_set():
        _say("runner", "31", f"the ingress was not ready after {READY_TIMEOUT_S} s; see its lines")
    return False


async def _start(child: Child, env: dict[str, str]) -> None:
    child.process = await asyncio.create_subprocess_exec(
        *child.argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**env, **child.env},
        start_new_session=True,  # Ctrl-C reaches the runner only; it stops children in order
        preexec_fn=die_with_parent(),  # and they die with it when it is killed
    )
    child.pump = asyncio.create_task(_pump(child))


async def _pump(child: Child) -> None:
    assert child.process is not None
    assert child.process.stdout is not None
    while line := await child.process.stdout.readline():
        _say(child.name, child.color, line.decode(errors="replace").rstrip())


async def _supervise(child: Child, stop: asyncio.Event, env: dict[str, str]) -> None:
    """Restart `child` whenever it dies, after a backoff, until `stop`."""
    delay = RESTART_FIRST_S
    while True:
        assert child.process is not None
        started = time.monotonic()
        code = await child.process.wait()
        if stop.is_set():
            return
        if time.monotonic() - started >= STABLE_AFTER_S:
            delay = RESTART_FIRST_S
        _say(child.name, "31", f"exited with code {code}; restarting in {delay:.0f} s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return
        if child.pump:
            await child.pump  # the dead process's last lines first
        await _start(child, env)
        child.restarts += 1
        assert child.process is not None
        if stop.is_set():  # stopped while it started: _stop_all did not see this one
            child.process.send_signal(signal.SIGTERM)
            await child.process.wait()
            return
        _say(child.name, "33", f"restarted (pid {child.process.pid}, restart {child.restarts})")
        delay = min(RESTART_MAX_S, delay * 2)


async def _stop_all(children: list[Child], hurry: asyncio.Event) -> None:
    """SIGTERM every child; SIGKILL whichever is still running after `STOP_GRACE_S`, or at
    once on a second Ctrl-C (`hurry`)."""
    running = {c.name: c.process for c in children if c.process and c.process.returncode is None}
    for process in running.values():
        process.send_signal(signal.SIGTERM)
    everyone = asyncio.gather(*(p.wait() for p in running.values()))
    hurried = asyncio.create_task(hurry.wait())
    either: list[asyncio.Future[Any]] = [everyone, hurried]
    await asyncio.wait(either, timeout=STOP_GRACE_S, return_when=asyncio.FIRST_COMPLETED)
    hurried.cancel()
    why = "a second Ctrl-C" if hurry.is_set() else f"still running after {STOP_GRACE_S} s"
    for name, process in running.items():
        if process.returncode is None:
            _say(name, "31", f"{why}; killed")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    await everyone
    for child in children:
        if child.pump:
            await child.pump
    _say("runner", "37", "stopped every process")


def _say(name: str, color: str, text: str) -> None:
    prefix = f"{name:>16} | "
    if sys.stdout.isatty():
        prefix = f"\033[{color}m{prefix}\033[0m"
    with contextlib.suppress(BrokenPipeError):  # the terminal (or a pipe) went away
        print(prefix + text, flush=True)


class _RunnerLines(io.StringIO):
    """A text stream whose every line is said as the runner's (`_say`)."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                _say("runner", "37", line)
        return len(text)

    def isatty(self) -> bool:
        return sys.stdout.isatty()


def _banner(lines: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in lines)
    print("", flush=True)
    for label, url in lines:
        _say("runner", "1;37", f"{label:<{width}}  {url}")
    _say("runner", "1;37", "Ctrl-C stops everything")
    print("", flush=True)
