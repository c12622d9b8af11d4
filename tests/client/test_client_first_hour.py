"""What a person new to the project meets in their first hour with the client: getting an
account from the CLI, logging in at a terminal, and output that says what it means."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import aiohttp
import pytest

from tests.client.conftest import ClientStack, cli_env, run_cli
from tests.client.terminal import converse
from tests.e2e.client import User
from tests.media import make_audio_only, make_clip
from videoshare.aws import open_clients
from videoshare.entrypoints.cli.client.media_file import TITLE_LIMIT
from videoshare.infra.resources import resolve

pytestmark = pytest.mark.e2e

PASSWORD = "a long secret 42 words"


def _new_email() -> str:
    return f"new-{uuid.uuid4().hex[:8]}@example.com"


async def test_register_at_a_terminal_asks_without_echo_and_logs_in(
    client_stack: ClientStack, tmp_path: Path
) -> None:
    email = _new_email()
    env = cli_env(tmp_path / "cfg", client_stack.base_url)

    talk = await asyncio.to_thread(
        converse,
        ["register"],
        env,
        [
            ("e-mail: ", email),
            ("display name: ", "Ada"),
            ("password: ", PASSWORD),
            ("the same password again: ", PASSWORD),
        ],
    )

    assert talk.code == 0, talk.transcript
    assert talk.transcript.index("e-mail: ") < talk.transcript.index("password: ")
    assert PASSWORD not in talk.transcript  # typed, never shown
    assert f"registered and confirmed; logged in to {client_stack.base_url} as {email}" in (
        talk.transcript
    )
    # logged in: the next command needs no credentials
    listed = await run_cli("videos", "list", env=env)
    assert listed.code == 0, listed.stderr
    assert "no videos" in listed.stdout


async def test_register_from_flags_then_again_is_one_line(
    client_stack: ClientStack, tmp_path: Path
) -> None:
    email = _new_email()
    env = cli_env(tmp_path / "cfg", client_stack.base_url)
    flags = ["--email", email, "--password", PASSWORD, "--display-name", "Bo"]

    first = await run_cli("register", *flags, env=env)
    again = await run_cli("register", *flags, env=env)

    assert first.code == 0, first.stderr
    assert f"as {email}" in first.stderr
    assert again.code == 2
    assert again.last_error.startswith("videoshare: registering failed:")
    off_terminal = await run_cli("register", env=env)
    assert off_terminal.code == 2
    assert "--email" in off_terminal.last_error


async def test_confirm_makes_an_unconfirmed_account_one_that_logs_in(
    client_stack: ClientStack, tmp_path: Path
) -> None:
    # Locally the API confirms every account at once: sign up at the pool itself instead,
    # as a pool that e-mails a code leaves the account (the emulator takes any code).
    email = _new_email()
    async with open_clients(client_stack.settings) as aws:
        resources = await resolve(aws, client_stack.settings)
        await aws.cognito.sign_up(
            ClientId=resources.client_id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    env = cli_env(tmp_path / "cfg", client_stack.base_url, email, PASSWORD)
    unconfirmed = await run_cli("login", env=env)
    assert unconfirmed.code == 2, unconfirmed
    assert f"`videoshare confirm --email {email} CODE`" in unconfirmed.last_error

    confirmed = await run_cli("confirm", "123456", env=env)

    assert confirmed.code == 0, confirmed.stderr
    assert f"confirmed {email}; log in with `videoshare login`" in confirmed.stderr
    assert (await run_cli("login", env=env)).code == 0


async def test_confirm_of_an_unknown_email_is_one_line(
    client_stack: ClientStack, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url)

    result = await run_cli("confirm", "--email", _new_email(), "123456", env=env)

    assert result.code == 2, result
    assert result.last_error.startswith("videoshare: confirming failed:"), result.stderr
    assert "Traceback" not in result.stderr


async def test_login_at_a_terminal_asks_the_email_first(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url)

    talk = await asyncio.to_thread(
        converse, ["login"], env, [("e-mail: ", user.email), ("password: ", user.password)]
    )

    assert talk.code == 0, talk.transcript
    assert talk.transcript.index("e-mail: ") < talk.transcript.index("password: ")
    assert user.password not in talk.transcript
    assert f"as {user.email}" in talk.transcript


async def test_a_login_with_an_unknown_email_suggests_register(
    client_stack: ClientStack, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url, _new_email(), PASSWORD)

    result = await run_cli("login", env=env)

    assert result.code == 2
    assert "or no account with this e-mail: `videoshare register`" in result.last_error
    assert result.stderr.count("\n") == 1


async def test_upload_wait_says_each_thing_once(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    song = make_audio_only(tmp_path / "song.mp4", seconds=1)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    result = await run_cli("upload", str(song), "--wait", "--quiet", env=env)

    assert result.code == 1, result
    assert result.stdout.startswith("video id: ")
    video = await user.call("GET", f"/v1/videos/{result.video_id}", expect=200)
    assert video["status"] == "rejected"
    assert "awaiting_upload" not in result.stderr  # the bytes were sent: never stale
    assert result.stderr.count(video["status_reason"]) == 1, result.stderr


async def test_a_file_name_longer_than_a_title_gives_a_title_cut_to_fit(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / f"{'holiday ' * 30}.mp4", seconds=0.5, width=64, height=48)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    result = await run_cli("upload", str(clip), "--quiet", env=env)

    assert result.code == 0, result.stderr
    video = await user.call("GET", f"/v1/videos/{result.video_id}", expect=200)
    assert len(video["title"]) == TITLE_LIMIT
    assert video["title"].startswith("holiday holiday")
    assert video["title"].endswith("…")


async def test_videos_list_names_resolution_and_says_when_there_are_more(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    for title in ("one", "two"):
        await user.call(
            "POST", "/v1/videos", expect=201,
            json={"title": title, "filename": f"{title}.mp4", "content_type": "video/mp4",
                  "visibility": "private",
                  "size_bytes": 1000},
        )  # fmt: skip
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    table = await run_cli("videos", "list", env=env)
    one = await run_cli("videos", "list", "--limit", "1", "--json", env=env)

    assert table.code == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if "title" in line)
    assert "resolution" in header
    assert "size" not in header
    assert "more videos" not in table.stderr
    assert one.code == 0, one.stderr
    assert len(json.loads(one.stdout)) == 1
    assert "more videos exist than these 1; see more with --limit" in one.stderr


async def test_downloading_a_rejected_video_says_it_was_rejected_and_why(
    client_stack: ClientStack, user: User, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    song = make_audio_only(tmp_path / "song.mp4", seconds=1)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    uploaded = await run_cli("upload", str(song), "--quiet", env=env)
    assert uploaded.code == 0, uploaded.stderr
    video_id = uploaded.video_id
    video = await user.wait_for_status(video_id, {"rejected"})

    result = await run_cli("videos", "download", video_id, env=env, cwd=tmp_path)

    assert result.code == 1
    assert result.last_error == (
        f"videoshare: video {video_id} was rejected, so there is nothing to download: "
        f"{video['status_reason']}"
    )
