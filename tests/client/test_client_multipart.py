"""Multipart uploads through the command-line client: parallel parts, per-part retries, and
resuming an interrupted upload (multipart or single PUT) by sending only what the storage lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.client.conftest import MIB, PART_SIZE, ClientStack, cli_env, run_cli
from tests.e2e.client import User
from tests.media import make_clip
from videoshare.aws import open_clients
from videoshare.domain.keys import source_key
from videoshare.entrypoints.cli.client.media_file import checked_media_file
from videoshare.entrypoints.cli.client.resume import PendingUpload, ResumeStore, resume_key

pytestmark = pytest.mark.e2e


def padded_clip(path: Path, total_size: int) -> Path:
    """A real clip grown to `total_size` bytes with a trailing MP4 `free` box (players skip
    it), so a small video needs several parts and still plays."""
    make_clip(path, seconds=1, width=160, height=120)
    padding = total_size - path.stat().st_size
    assert padding > 8
    with path.open("ab") as out:
        out.write(padding.to_bytes(4, "big") + b"free")
        out.write(b"\0" * (padding - 8))
    return path


async def _stored_source(stack: ClientStack, video_id: str) -> bytes:
    async with open_clients(stack.settings) as aws:
        answer = await aws.s3.get_object(Bucket=stack.settings.bucket, Key=source_key(video_id))
        return await answer["Body"].read()


async def test_multipart_upload_sends_every_part_and_retries_a_failing_one(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = padded_clip(tmp_path / "big.mp4", 2 * PART_SIZE + MIB)  # three parts
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    proxy = client_stack.proxy
    proxy.part_puts.clear()
    proxy.failures = {2: 2}  # part 2 fails twice, then gets through

    result = await run_cli("upload", str(clip), "--parallel", "3", "--wait", env=env)

    assert result.code == 0, result.stderr
    video_id = result.video_id
    assert sorted(proxy.parts_sent()) == [1, 2, 3]
    assert [status for number, status in proxy.part_puts if number == 2] == [500, 500, 200]
    assert proxy.single_puts == 0
    assert await _stored_source(client_stack, video_id) == clip.read_bytes()
    assert "ready:" in result.stderr
    # the bar counts each byte once: a failed attempt's bytes are taken back
    assert "11.0/11.0 MiB" in result.stderr
    assert not json.loads((tmp_path / "cfg" / "uploads.json").read_text())


async def test_interrupted_upload_resumes_with_only_the_missing_parts(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = padded_clip(tmp_path / "long.mp4", 2 * PART_SIZE + MIB)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    proxy = client_stack.proxy
    proxy.part_puts.clear()
    proxy.failures = {2: 1000}  # the network dies at part 2

    first = await run_cli("upload", str(clip), "--parallel", "1", env=env)

    assert first.code == 1
    assert "run the same command again to resume" in first.last_error
    assert "Traceback" not in first.stderr
    (pending,) = json.loads((tmp_path / "cfg" / "uploads.json").read_text()).values()
    video_id = pending["video_id"]
    async with open_clients(client_stack.settings) as aws:
        listed = await aws.s3.list_parts(
            Bucket=client_stack.settings.bucket,
            Key=source_key(video_id),
            UploadId=pending["upload_id"],
        )
    assert [p["PartNumber"] for p in listed.get("Parts", [])] == [1]

    proxy.failures = {}
    proxy.part_puts.clear()
    second = await run_cli("upload", str(clip), "--parallel", "1", env=env)

    assert second.code == 0, second.stderr
    assert second.video_id == video_id
    assert f"resuming the upload of video {video_id}" in second.stderr
    assert proxy.parts_sent() == [2, 3]
    assert await _stored_source(client_stack, video_id) == clip.read_bytes()
    mine = (await user.call("GET", "/v1/videos?scope=mine", expect=200))["items"]
    assert [v["id"] for v in mine] == [video_id]  # resumed, not uploaded twice


async def test_interrupted_single_put_resumes_into_the_same_video(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "small.mp4", seconds=0.5, width=64, height=48)
    env = cli_env(tmp_path / "cfg", client_stack.base_url, user.email, user.password)
    proxy = client_stack.proxy
    proxy.single_puts = 0
    proxy.single_put_failures = 1000

    first = await run_cli("upload", str(clip), env=env)

    assert first.code == 1
    assert "run the same command again to resume" in first.last_error
    assert proxy.single_puts == 5  # the first try and four retries
    proxy.single_put_failures = 0
    second = await run_cli("upload", str(clip), env=env)

    assert second.code == 0, second.stderr
    video_id = second.video_id
    assert f"resuming the upload of video {video_id}" in second.stderr
    assert await _stored_source(client_stack, video_id) == clip.read_bytes()
    mine = (await user.call("GET", "/v1/videos?scope=mine", expect=200))["items"]
    assert [v["id"] for v in mine] == [video_id]


async def test_a_rerun_after_the_bytes_arrived_does_not_upload_again(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "done.mp4", seconds=0.5, width=64, height=48)
    config = tmp_path / "cfg"
    env = cli_env(config, client_stack.base_url, user.email, user.password)
    first = await run_cli("upload", str(clip), env=env)
    assert first.code == 0, first.stderr
    video_id = first.video_id
    # as if the first run had died between `…/upload/complete` and forgetting its state
    ResumeStore(config).put(
        resume_key(client_stack.base_url, checked_media_file(clip)), PendingUpload(video_id, None)
    )
    await user.wait_for_status(video_id, {"uploaded", "processing", "ready"})
    sent_before = client_stack.proxy.single_puts

    again = await run_cli("upload", str(clip), env=env)

    assert again.code == 0, again.stderr
    assert again.video_id == video_id
    assert f"already uploaded as video {video_id}" in again.stderr
    assert client_stack.proxy.single_puts == sent_before
    mine = (await user.call("GET", "/v1/videos?scope=mine", expect=200))["items"]
    assert [v["id"] for v in mine] == [video_id]


async def test_state_of_a_video_that_is_gone_starts_a_fresh_upload(
    client_stack: ClientStack, user: User, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "again.mp4", seconds=0.5, width=64, height=48)
    config = tmp_path / "cfg"
    store = ResumeStore(config)
    key = resume_key(client_stack.base_url, checked_media_file(clip))
    store.put(key, PendingUpload("0" * 32, "an-upload-that-is-gone"))

    result = await run_cli(
        "upload", str(clip), env=cli_env(config, client_stack.base_url, user.email, user.password)
    )

    assert result.code == 0, result.stderr
    assert "resuming" not in result.stderr
    mine = (await user.call("GET", "/v1/videos?scope=mine", expect=200))["items"]
    assert [v["id"] for v in mine] == [result.video_id]
    assert store.get(key) is None
