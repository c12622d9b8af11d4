"""The command-line client against the whole stack: upload → --wait → list → download, token
caching, and hostile or clumsy input. Multipart and resuming are in test_client_multipart.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import aiohttp
import av
import pytest

from tests.client.conftest import MAX_UPLOAD, ClientStack, cli_env, run_cli
from tests.e2e.client import User
from tests.media import make_audio_only, make_clip
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.e2e


async def _my_videos(user: User) -> list[dict[str, object]]:
    page = await user.call("GET", "/v1/videos?scope=mine", expect=200)
    items: list[dict[str, object]] = page["items"]
    return items


async def test_upload_waits_until_ready_then_lists_and_downloads(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "park walk.mp4", seconds=1, width=160, height=120)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    uploaded = await run_cli(
        "upload", str(clip), "--title", "Park walk", "--tags", "park, walk",
        "--visibility", "public", "--wait", env=env,
    )  # fmt: skip

    assert uploaded.code == 0, uploaded.stderr
    video_id = uploaded.video_id
    assert len(video_id) == 32, uploaded.stdout
    assert "ready: Park walk 160x120" in uploaded.stderr
    assert f"videoshare videos download {video_id}" in uploaded.stderr
    # --wait followed the events stream, resuming it if the server ended one early (polling is
    # only the fallback: the video is read once, when it settled)
    lines = client_stack.stack.log_lines("ingress")
    streamed = [line for line in lines if line.get("path") == f"/v1/videos/{video_id}/events"]
    assert streamed
    assert all(line["status"] == 200 for line in streamed)
    read = [line for line in lines if line.get("path") == f"/v1/videos/{video_id}"]
    assert len(read) == 1
    # the session is cached for the next command, readable by its owner only
    tokens = tmp_path / "cfg" / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600

    listed = await run_cli("videos", "list", "--json", env=env)
    assert listed.code == 0, listed.stderr
    (video,) = json.loads(listed.stdout)
    assert (video["id"], video["status"], video["tags"]) == (video_id, "ready", ["park", "walk"])
    table = await run_cli("videos", "list", env=env)
    assert video_id in table.stdout
    assert "Park walk" in table.stdout
    stranger = await User(user.http, client_stack.base_url).sign_up()
    stranger_env = cli_env(
        tmp_path / "stranger", client_stack.base_url, stranger.email, stranger.password
    )
    public = await run_cli("videos", "list", "--scope", "public", "--json", env=stranger_env)
    assert public.code == 0, public.stderr
    assert video_id in [v["id"] for v in json.loads(public.stdout)]

    # captions and the poster of the ready video
    srt = tmp_path / "walk.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,900\nA walk in the park\n")
    added = await run_cli(
        "captions", "add", video_id, "en", str(srt), "--label", "English", env=env
    )
    assert added.code == 0, added.stderr
    assert "captions added: English (en)" in added.stderr
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:xx,000\nbroken\n")
    refused = await run_cli("captions", "add", video_id, "fr", str(broken), env=env)
    assert refused.code != 0
    assert "broken timings" in refused.last_error
    listed_captions = await run_cli("captions", "list", video_id, env=env)
    assert listed_captions.stdout.splitlines() == ["en\tEnglish"]
    chosen = await run_cli("poster", video_id, "--at", "0.5", env=env)
    assert chosen.code == 0, chosen.stderr
    assert "/poster-" in chosen.stdout
    not_image = await run_cli("poster", video_id, "--image", str(srt), env=env)
    assert not_image.code != 0
    assert "not a JPEG, PNG or WebP image" in not_image.last_error

    rendition = max(video["renditions"], key=lambda r: r["height"])
    out_dir = tmp_path / "downloads"
    out_dir.mkdir()
    fetched = await run_cli(
        "videos", "download", video_id, "--rendition", rendition["name"], "-o", str(out_dir),
        env=env,
    )  # fmt: skip
    assert fetched.code == 0, fetched.stderr
    written = Path(fetched.stdout.strip())
    assert written.parent == out_dir
    with av.open(str(written)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.height == rendition["height"]

    # without -o: into the current folder, under the name the storage suggests
    here = tmp_path / "here"
    here.mkdir()
    plain = await run_cli("videos", "download", video_id, env=env, cwd=here)
    assert plain.code == 0, plain.stderr
    (saved,) = here.iterdir()
    assert Path(plain.stdout.strip()) == saved
    assert saved.suffix == ".mp4"

    again = await run_cli("videos", "download", video_id, "-o", str(written), env=env)
    assert again.code == 2
    assert "--force" in again.last_error
    source = await run_cli(
        "videos", "download", video_id, "--rendition", "source", "-o", str(written), "--force",
        env=env,
    )  # fmt: skip
    assert source.code == 0, source.stderr
    assert written.read_bytes() == clip.read_bytes()


async def test_cached_session_is_used_and_refreshed_without_a_password(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    config = tmp_path / "cfg"
    logged_in = await run_cli(
        "login", env=cli_env(config, client_stack.base_url, user.email, user.password)
    )
    assert logged_in.code == 0, logged_in.stderr
    assert user.email in logged_in.stderr

    no_credentials = cli_env(config, client_stack.base_url)
    assert (await run_cli("videos", "list", env=no_credentials)).code == 0

    # an expired access token is refreshed with the cached refresh token
    tokens_file = config / "tokens.json"
    cached = json.loads(tokens_file.read_text())
    old_access = cached[client_stack.base_url]["access_token"]
    cached[client_stack.base_url]["expires_at"] = 0
    tokens_file.write_text(json.dumps(cached))
    refreshed = await run_cli("videos", "list", "--json", env=no_credentials)
    assert refreshed.code == 0, refreshed.stderr
    renewed = json.loads(tokens_file.read_text())[client_stack.base_url]
    assert renewed["expires_at"] > 0
    assert renewed["access_token"] != old_access

    logged_out = await run_cli("logout", env=no_credentials)
    assert logged_out.code == 0, logged_out.stderr
    after = await run_cli("videos", "list", env=no_credentials)
    assert after.code == 2
    assert "videoshare login" in after.last_error


async def test_clumsy_files_are_refused_in_one_line_and_create_nothing(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "holiday.mp4"
    text.write_text("a shopping list, not a video\n" * 20)
    cases = {
        str(tmp_path / "missing.mp4"): "no such file",
        str(tmp_path): "is a folder",
        str(empty): "is empty",
        str(text): "is not a video",
    }
    for path, words in cases.items():
        result = await run_cli("upload", path, env=env)
        assert result.code == 2, (path, result)
        assert words in result.last_error, (path, result.stderr)
        assert "Traceback" not in result.stderr
    assert await _my_videos(user) == []


async def test_wrong_password_missing_credentials_and_bad_flags(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "c.mp4", seconds=0.5, width=64, height=48)
    wrong = await run_cli(
        "upload", str(clip),
        env=cli_env(tmp_path / "a", client_stack.base_url, user.email, "not my password 1"),
    )  # fmt: skip
    assert wrong.code == 2
    assert "e-mail or password is wrong" in wrong.last_error

    anonymous = await run_cli(
        "upload", str(clip), env=cli_env(tmp_path / "b", client_stack.base_url)
    )
    assert anonymous.code == 2
    assert "VIDEOSHARE_EMAIL" in anonymous.last_error

    env = cli_env(tmp_path / "c", client_stack.base_url, user.email, user.password)
    bad_visibility = await run_cli("upload", str(clip), "--visibility", "everyone", env=env)
    assert bad_visibility.code == 2
    assert "invalid choice" in bad_visibility.stderr
    long_title = await run_cli("upload", str(clip), "--title", "x" * 300, env=env)
    assert long_title.code == 1
    assert long_title.last_error.startswith("videoshare: creating the video failed:")
    assert "title" in long_title.last_error
    assert await _my_videos(user) == []


async def test_a_file_over_the_limit_is_refused_with_the_servers_sentence(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    big = tmp_path / "huge.mp4"
    with big.open("wb") as out:  # an MP4 header, then a sparse hole: nothing is written
        out.write((24).to_bytes(4, "big") + b"ftypisom" + (512).to_bytes(4, "big") + b"isomiso2")
        out.truncate(MAX_UPLOAD + 1)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    result = await run_cli("upload", str(big), env=env)

    assert result.code == 1
    assert result.last_error.startswith("videoshare: creating the video failed: The video is ")
    assert "at most" in result.last_error
    assert await _my_videos(user) == []


async def test_unreachable_api_says_where_it_looked(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", seconds=0.5, width=64, height=48)
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = cli_env(tmp_path / "cfg", nowhere, "a@example.com", "whatever 123")
    for argv in (("upload", str(clip)), ("videos", "list"), ("login",)):
        result = await run_cli(*argv, env=env)
        assert result.code == 1, result
        assert f"cannot reach the API at {nowhere}" in result.last_error
        assert "Traceback" not in result.stderr


async def test_rejected_video_with_wait_exits_non_zero_with_the_reason(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    # an MP4 container holding only sound: it passes the client's check, the pipeline rejects it
    song = make_audio_only(tmp_path / "song.mp4", seconds=1)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)

    result = await run_cli("upload", str(song), "--wait", env=env)

    assert result.code == 1, result
    video_id = result.video_id
    assert result.last_error.startswith(f"videoshare: video {video_id} was rejected: ")
    reason = result.last_error.split("rejected: ", 1)[1]
    video = await user.call("GET", f"/v1/videos/{video_id}", expect=200)
    assert reason == video["status_reason"]


async def test_an_import_from_a_link_nobody_answers_says_why_it_was_rejected(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    link = f"http://127.0.0.1:{free_port()}/holiday.mp4"  # nothing listens there

    result = await run_cli("import", link, "--wait", env=env)

    assert result.code == 1, result
    video_id = result.video_id
    video = await user.call("GET", f"/v1/videos/{video_id}", expect=200)
    assert (video["title"], video["status"]) == ("holiday", "rejected")
    assert (
        result.last_error == f"videoshare: video {video_id} was rejected: {video['status_reason']}"
    )
    assert video["status_reason"].startswith("The link could not be reached")


async def test_downloading_what_is_not_there_says_so(
    client_stack: ClientStack, user: User, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    result = await run_cli("videos", "download", "0" * 32, env=env, cwd=tmp_path)
    assert result.code == 1
    assert "There is no video with this id" in result.last_error
    assert list(tmp_path.glob("*.mp4")) == []


async def test_a_forgotten_password_a_new_one_and_the_account_deleted_from_the_terminal(
    client_stack: ClientStack, user: User, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    anonymous = cli_env(tmp_path / "a", client_stack.base_url, user.email)
    forgot = await run_cli("password", "forgot", env=anonymous)
    assert forgot.code == 0, forgot.stderr
    code = forgot.stderr.split("the code is ", 1)[1].split()[0]  # local mode prints it
    reset = await run_cli(
        "password", "reset", code, "--new-password", "battery staple 7", env=anonymous
    )
    assert reset.code == 0, reset.stderr

    env = cli_env(tmp_path / "b", client_stack.base_url, user.email, "battery staple 7")
    changed = await run_cli("password", "change", "--new-password", user.password, env=env)
    assert changed.code == 0, changed.stderr
    assert "the password is changed" in changed.stderr

    env = cli_env(tmp_path / "c", client_stack.base_url, user.email, user.password)
    unsure = await run_cli("account", "delete", env=env)  # a script must say --yes
    assert unsure.code == 2
    assert "--yes" in unsure.last_error
    deleted = await run_cli("account", "delete", "--yes", env=env)
    assert deleted.code == 0, deleted.stderr
    async with http.post(
        f"{client_stack.base_url}/v1/auth/login",
        json={"email": user.email, "password": user.password},
    ) as login:
        assert login.status == 401
