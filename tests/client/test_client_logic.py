"""Pure logic of the command-line client: part plans, resume keys, the token cache, problem
sentences, SSE parsing, file checks. No network."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.media import make_clip
from videoshare.entrypoints.cli.client.config import client_config
from videoshare.entrypoints.cli.client.credentials import CachedLogin, TokenCache
from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence
from videoshare.entrypoints.cli.client.follow import describe, worth_saying
from videoshare.entrypoints.cli.client.library import filename_from
from videoshare.entrypoints.cli.client.media_file import (
    TITLE_LIMIT,
    checked_media_file,
    content_type_for,
    title_for,
)
from videoshare.entrypoints.cli.client.parts import Part, UploadedPart, missing_parts, plan_parts
from videoshare.entrypoints.cli.client.resume import PendingUpload, ResumeStore, resume_key
from videoshare.entrypoints.cli.client.sse import SseEvent, SseParser

MIB = 1024 * 1024


# --- parts -----------------------------------------------------------------------------------
def test_plan_cuts_the_file_into_parts_with_a_shorter_last_one() -> None:
    plan = plan_parts(12 * MIB + 1, 5 * MIB)
    assert plan == [
        Part(1, 0, 5 * MIB),
        Part(2, 5 * MIB, 5 * MIB),
        Part(3, 10 * MIB, 2 * MIB + 1),
    ]
    assert sum(p.size for p in plan) == 12 * MIB + 1


def test_plan_of_an_exact_multiple_has_no_empty_part() -> None:
    assert [p.size for p in plan_parts(10 * MIB, 5 * MIB)] == [5 * MIB, 5 * MIB]


@pytest.mark.parametrize(("size", "part"), [(0, 5), (5, 0), (-1, 5)])
def test_plan_refuses_sizes_that_are_not_positive(size: int, part: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        plan_parts(size, part)


def test_missing_parts_skips_the_ones_uploaded_whole_and_resends_short_ones() -> None:
    plan = plan_parts(15 * MIB, 5 * MIB)
    uploaded = {
        1: UploadedPart(1, '"a"', 5 * MIB),
        3: UploadedPart(3, '"c"', 4 * MIB),  # cut short by the interruption
    }
    assert [p.number for p in missing_parts(plan, uploaded)] == [2, 3]
    assert missing_parts(plan, {n: UploadedPart(n, "e", 5 * MIB) for n in (1, 2, 3)}) == []


# --- resume state ----------------------------------------------------------------------------
def _video(tmp_path: Path, name: str = "clip.mp4") -> Path:
    return make_clip(tmp_path / name, seconds=0.2, width=64, height=48, audio=False)


def test_resume_key_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = _video(tmp_path)
    before = resume_key("http://api", checked_media_file(path))
    assert before == resume_key("http://api", checked_media_file(path))
    with path.open("ab") as out:
        out.write(b"\0")
    assert resume_key("http://api", checked_media_file(path)) != before
    assert resume_key("http://other", checked_media_file(path)) != resume_key(
        "http://api", checked_media_file(path)
    )


def test_resume_store_round_trip_is_private_and_forgets(tmp_path: Path) -> None:
    store = ResumeStore(tmp_path / "config")
    store.put("k", PendingUpload("v1", "u1"))
    store.put("single", PendingUpload("v2", None))
    assert store.get("k") == PendingUpload("v1", "u1")
    assert store.get("single") == PendingUpload("v2", None)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.forget("k")
    assert store.get("k") is None
    assert store.get("single") == PendingUpload("v2", None)


def test_a_damaged_resume_file_means_nothing_to_resume(tmp_path: Path) -> None:
    store = ResumeStore(tmp_path)
    store.path.write_text("{not json")
    assert store.get("k") is None
    store.put("k", PendingUpload("v", None))  # and it heals on the next write
    assert store.get("k") == PendingUpload("v", None)


# --- token cache -----------------------------------------------------------------------------
def test_token_cache_is_0600_and_per_api_url(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "cfg")
    login = CachedLogin("a@example.com", "access", "refresh", 1000.0)
    cache.put("http://one", login)
    assert cache.get("http://one") == login
    assert cache.get("http://two") is None
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    cache.forget("http://one")
    assert cache.get("http://one") is None


def test_cached_login_is_refreshed_a_minute_before_it_expires() -> None:
    login = CachedLogin.from_tokens(
        "a@example.com", {"access_token": "t", "refresh_token": "r", "expires_in": 3600}, 0.0
    )
    assert login.fresh_at(3600 - 61)
    assert not login.fresh_at(3600 - 59)


def test_a_refresh_answer_without_refresh_token_keeps_the_old_one() -> None:
    login = CachedLogin.from_tokens(
        "a@example.com", {"access_token": "new", "expires_in": 60}, 0.0, refresh_token="old"
    )
    assert (login.access_token, login.refresh_token) == ("new", "old")


# --- configuration ---------------------------------------------------------------------------
def test_flags_win_over_the_environment(tmp_path: Path) -> None:
    env = {
        "VIDEOSHARE_API_URL": "http://env:1/",
        "VIDEOSHARE_EMAIL": "env@example.com",
        "VIDEOSHARE_PASSWORD": "env-pass",
        "VIDEOSHARE_CONFIG_DIR": str(tmp_path),
    }
    from_env = client_config(api_url=None, email=None, password=None, environ=env)
    assert (from_env.api_url, from_env.email, from_env.password) == (
        "http://env:1",
        "env@example.com",
        "env-pass",
    )
    assert from_env.config_dir == tmp_path
    flags = client_config(api_url="http://flag:2", email="f@x.io", password="p", environ=env)
    assert (flags.api_url, flags.email, flags.password) == ("http://flag:2", "f@x.io", "p")


def test_the_defaults_are_the_local_ingress_and_the_xdg_folder(tmp_path: Path) -> None:
    config = client_config(
        api_url=None, email=None, password=None, environ={"XDG_CONFIG_HOME": str(tmp_path)}
    )
    assert config.api_url == "http://127.0.0.1:8080"
    assert config.config_dir == tmp_path / "videoshare"
    assert config.email is None


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://host", "http://"])
def test_an_api_url_that_is_not_http_is_refused_with_what_to_set(url: str) -> None:
    with pytest.raises(ClientFailure, match="VIDEOSHARE_API_URL"):
        client_config(api_url=url, email=None, password=None, environ={})


# --- problem sentences -----------------------------------------------------------------------
def test_problem_detail_becomes_the_sentence() -> None:
    body = {"type": "/problems/upload-too-large", "status": 413, "detail": "Too big."}
    assert (
        problem_sentence(413, body, "creating the video") == "creating the video failed: Too big."
    )


def test_first_field_error_is_added_when_the_detail_does_not_name_it() -> None:
    body = {
        "detail": "The request has invalid fields.",
        "errors": [{"pointer": "#/title", "detail": "must be one line"}],
    }
    assert problem_sentence(422, body, "x").endswith("(title: must be one line)")


def test_an_answer_without_problem_json_still_reads_as_a_sentence() -> None:
    assert "try again later" in problem_sentence(502, None, "listing videos")
    assert problem_sentence(418, "teapot", "x") == "x failed with HTTP 418"


# --- files -----------------------------------------------------------------------------------
def test_a_real_clip_passes_with_its_content_type(tmp_path: Path) -> None:
    media = checked_media_file(_video(tmp_path))
    assert media.content_type == "video/mp4"
    assert media.size == media.path.stat().st_size


def test_content_type_follows_the_container_when_the_extension_is_unknown() -> None:
    assert content_type_for(Path("x.bin"), b"\x1a\x45\xdf\xa3" + b"\0" * 8) == "video/x-matroska"
    assert content_type_for(Path("x.webm"), b"\x1a\x45\xdf\xa3" + b"\0" * 8) == "video/webm"
    assert content_type_for(Path("x.mp4"), b"hello world, not a video") is None


def test_clumsy_files_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "notes.mp4"
    text.write_text("a shopping list\n" * 10)
    cases = {
        tmp_path / "missing.mp4": "no such file",
        tmp_path: "is a folder",
        empty: "is empty",
        text: "is not a video",
    }
    for path, words in cases.items():
        with pytest.raises(ClientFailure, match=words) as caught:
            checked_media_file(path)
        assert caught.value.exit_code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = _video(tmp_path)
    path.chmod(0)
    with pytest.raises(ClientFailure, match="cannot read"):
        checked_media_file(path)


# --- SSE and status lines --------------------------------------------------------------------
def test_sse_parser_reads_events_comments_and_multiline_data() -> None:
    parser = SseParser()
    lines = [
        ": heartbeat\n",
        "event: status\n",
        "id: 3\n",
        'data: {"status":\n',
        'data:"ready"}\n',
        "\n",
        "data: plain\r\n",
        "\r\n",
        "\n",  # a blank line with nothing pending dispatches nothing
    ]
    events = [e for e in map(parser.feed, lines) if e is not None]
    assert events == [
        SseEvent("status", '{"status":\n"ready"}', "3"),
        SseEvent("message", "plain", "3"),
    ]


def test_sse_retry_hints_are_kept_and_odd_ones_ignored() -> None:
    parser = SseParser()
    for line in ("retry: 1500\n", "\n", "retry: soon\n", "retry: -5\n", "retry: \uff13\n"):
        assert parser.feed(line) is None  # a hint alone is no event
    assert parser.retry_ms == 1500


def test_status_lines_show_progress_and_reasons() -> None:
    # `progress` is in percent, 0 to 100, as the API defines it (no 0-1 guessing).
    assert describe({"status": "processing", "progress": 0.4}) == "processing 0%"
    assert describe({"status": "processing", "progress": 40.0}) == "processing 40%"
    assert describe({"status": "processing", "progress": 55}) == "processing 55%"
    assert describe({"status": "rejected", "status_reason": "No video."}) == ("rejected: No video.")
    assert describe({"status": "uploaded"}) == "uploaded"


def test_an_import_says_its_percentage_and_a_stale_awaiting_upload_is_not_said() -> None:
    importing = {"status": "awaiting_upload", "progress": 37.4}
    assert describe(importing) == "importing 37%"
    assert worth_saying(importing)
    assert not worth_saying({"status": "awaiting_upload", "progress": None})
    assert not worth_saying({"status": "ready", "progress": None})  # the caller says it once
    assert worth_saying({"status": "processing", "progress": 0.0})


def test_download_file_name_comes_from_content_disposition_without_folders() -> None:
    assert filename_from('attachment; filename="clip.mp4"') == "clip.mp4"
    assert filename_from("attachment; filename*=UTF-8''caf%C3%A9.mp4") == "café.mp4"
    assert filename_from('attachment; filename="../../etc/passwd"') == "passwd"
    assert filename_from('attachment; filename=".."') is None
    assert filename_from(None) is None


def test_the_clients_title_limit_is_the_apis() -> None:
    from videoshare.entrypoints.http.schemas import MAX_TITLE

    assert TITLE_LIMIT == MAX_TITLE


def test_a_default_title_is_the_file_name_cut_to_fit() -> None:
    assert title_for(Path("/videos/park  walk.mp4")) == "park walk"
    long = title_for(Path("x" * 300 + ".mp4"))
    assert len(long) == TITLE_LIMIT
    assert long == "x" * (TITLE_LIMIT - 1) + "…"
