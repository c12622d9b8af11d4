"""The whole stack as real processes for the command-line client, with a small multipart
threshold, and the ingress's AWS traffic (hence every presigned URL) through `FaultProxy`.

`cli` runs `videoshare …` as a child process with its own config folder and credentials."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.client.fault_proxy import FaultProxy, fault_proxy
from tests.e2e.client import User
from tests.stack import Stack, running_stack
from videoshare.local.emulator import Emulator
from videoshare.settings import Settings

MIB = 1024 * 1024
# Uploads above this are multipart, in parts of PART_SIZE (S3's smallest allowed part).
MULTIPART_THRESHOLD = 6 * MIB
PART_SIZE = 5 * MIB
# The largest upload the stack takes: more is refused before a byte is sent.
MAX_UPLOAD = 64 * MIB
CLI_TIMEOUT_S = 120


@dataclass
class ClientStack:
    stack: Stack
    proxy: FaultProxy

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    @property
    def settings(self) -> Settings:
        return self.stack.settings


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def video_id(self) -> str:
        """The id of the `video id: …` line an upload prints on stdout."""
        ids = [line.removeprefix("video id: ") for line in self.stdout.splitlines()
               if line.startswith("video id: ")]  # fmt: skip
        assert len(ids) == 1, self.stdout
        return ids[0]

    @property
    def last_error(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.startswith("videoshare:")]
        return lines[-1] if lines else ""


# One stack for the whole client package: each test signs up its own user, and the tests that
# inject faults set (and clear) the proxy's counters themselves.
@pytest.fixture(scope="package")
async def client_stack(emulator: Emulator) -> AsyncIterator[ClientStack]:
    env = {
        "VIDEOSHARE_MULTIPART_THRESHOLD_BYTES": str(MULTIPART_THRESHOLD),
        "VIDEOSHARE_MULTIPART_PART_SIZE_BYTES": str(PART_SIZE),
        "VIDEOSHARE_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        # `videoshare import` may name a server on this machine (test_client_cli.py)
        "VIDEOSHARE_IMPORT_ALLOW_PRIVATE_SOURCES": "true",
    }
    async with (
        fault_proxy(emulator.endpoint) as proxy,
        # the ingress's AWS traffic, hence every presigned URL, goes through the proxy
        running_stack(
            emulator.endpoint, "cli", env=env, ingress_env={"AWS_ENDPOINT_URL": proxy.endpoint}
        ) as running,
    ):
        yield ClientStack(running, proxy)


@pytest.fixture(autouse=True)
def fresh_proxy(request: pytest.FixtureRequest) -> None:
    """Each test starts with the shared proxy's faults disarmed and its counters at zero."""
    if "client_stack" in request.fixturenames:
        request.getfixturevalue("client_stack").proxy.reset()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def user(client_stack: ClientStack, http: aiohttp.ClientSession) -> User:
    return await User(http, client_stack.base_url).sign_up()


def cli_env(config_dir: Path, api_url: str, email: str = "", password: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))}
    env |= {"VIDEOSHARE_API_URL": api_url, "VIDEOSHARE_CONFIG_DIR": str(config_dir)}
    if email:
        env["VIDEOSHARE_EMAIL"] = email
    if password:
        env["VIDEOSHARE_PASSWORD"] = password
    return env


async def run_cli(*argv: str, env: dict[str, str], cwd: Path | None = None) -> CliResult:
    """`videoshare ARGV…` as a child process, awaited without blocking the loop (the fault
    proxy runs on it)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "videoshare.entrypoints.cli.main",
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return CliResult(process.returncode, out.decode(), err.decode())
