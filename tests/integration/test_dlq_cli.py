"""`videoshare dlq …` as an operator runs it: a real process against the emulator.

Messages are dead-lettered the way the runtime does it (`bus.dlq.dead_letter`), so what the
CLI reads is exactly what a failing worker leaves behind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import pytest

from tests.integration.bus_support import event_attributes, string_attributes, take_all
from tests.support import child_env
from videoshare.aws import AwsClients
from videoshare.bus.dlq import FAILURE_ATTRIBUTES, Failure, dead_letter
from videoshare.domain.events import VideoReady, VideoReadyData
from videoshare.entrypoints.cli.main import main
from videoshare.infra.resources import Resources
from videoshare.infra.topology import NOTIFIER
from videoshare.settings import LOCAL_ENDPOINT, Settings
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.integration


def dlq(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", "dlq", *args],
        env={**child_env(settings), "COLUMNS": "250", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ready_event(title: str = "Harbour") -> VideoReady:
    return VideoReady(
        correlation_id=f"req-{uuid.uuid4().hex[:8]}",
        producer="tests",
        data=VideoReadyData(video_id=uuid.uuid4().hex, owner_id="owner-1", title=title),
    )


async def bury(
    aws: AwsClients, settings: Settings, resources: Resources, body: str, event_type: str
) -> None:
    """Dead-letter `body` from the notifier's queue as the runtime does when it gives up."""
    await dead_letter(
        aws.sqs,
        dlq_url=resources.dlq_urls[NOTIFIER],
        source_queue=settings.queue(NOTIFIER),
        body=body,
        original_attributes=event_attributes(event_type, "req-x"),
        failure=Failure(
            "gave up after 3 attempts: ClientError: no table", "gave_up", "ClientError: x", 3
        ),
    )


async def test_list_show_and_a_typed_dry_run_then_replay(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    events = [ready_event() for _ in range(3)]
    for event in events:
        await bury(aws, settings, resources, event.model_dump_json(), event.type)
    await bury(aws, settings, resources, "not json at all", "video.failed")

    listed = dlq(settings, "list")
    assert listed.returncode == 0, listed.stderr
    dlq_name = f"{settings.queue(NOTIFIER)}-dlq"
    row = next(line for line in listed.stdout.splitlines() if dlq_name in line)
    cells = [c.strip() for c in row.strip("│| ").split("│")]
    assert cells[:3] == [dlq_name, NOTIFIER, "4"], cells
    assert re.fullmatch(r"\d+ s", cells[3]), cells  # the oldest message's age

    shown = dlq(settings, "show", NOTIFIER, "--limit", "10")
    assert shown.returncode == 0, shown.stderr
    for event in events:
        assert event.id in shown.stdout
        assert event.data.video_id in shown.stdout
    assert "gave up after 3 attempts" in shown.stdout
    assert "video.ready" in shown.stdout
    # each message's own id, and the start of its body
    peeked = await aws.sqs.receive_message(
        QueueUrl=resources.dlq_urls[NOTIFIER], MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    for message in peeked["Messages"]:
        assert f"message {message['MessageId']}" in shown.stdout
    assert "body      not json at all" in shown.stdout
    assert f"body      {events[0].model_dump_json()[:40]}" in shown.stdout

    dry = dlq(settings, "replay", NOTIFIER, "--type", "video.ready", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would move 3 message(s)" in dry.stdout
    assert "1 of other types left" in dry.stdout
    assert await take_all(aws.sqs, resources.queue_urls[NOTIFIER]) == []

    replayed = dlq(settings, "replay", NOTIFIER, "--type", "video.ready", "--limit", "2")
    assert replayed.returncode == 0, replayed.stderr
    assert "moved 2 message(s)" in replayed.stdout
    back = await take_all(aws.sqs, resources.queue_urls[NOTIFIER])
    assert len(back) == 2
    for message in back:
        attributes = string_attributes(message)
        assert not set(attributes) & set(FAILURE_ATTRIBUTES), attributes
        assert attributes["event_type"] == "video.ready"
        assert json.loads(message["Body"])["id"] in {e.id for e in events}
    left = await take_all(aws.sqs, resources.dlq_urls[NOTIFIER])
    assert len(left) == 2  # one ready event and the garbage, both still there


async def test_replay_at_a_rate_moves_everything(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    for _ in range(12):
        event = ready_event()
        await bury(aws, settings, resources, event.model_dump_json(), event.type)
    result = dlq(settings, "replay", f"{settings.queue(NOTIFIER)}-dlq", "--rate", "50")
    assert result.returncode == 0, result.stderr
    assert "moved 12 message(s)" in result.stdout
    assert len(await take_all(aws.sqs, resources.queue_urls[NOTIFIER])) == 12
    assert await take_all(aws.sqs, resources.dlq_urls[NOTIFIER]) == []


async def test_purge_asks_for_yes_then_empties_the_queue(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    event = ready_event()
    await bury(aws, settings, resources, event.model_dump_json(), event.type)
    refused = dlq(settings, "purge", NOTIFIER)
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "--yes" in refused.stderr
    assert len(await take_all(aws.sqs, resources.dlq_urls[NOTIFIER])) == 1

    purged = dlq(settings, "purge", NOTIFIER, "--yes")
    assert purged.returncode == 0, purged.stderr
    assert "purged 1 message(s)" in purged.stdout
    assert await take_all(aws.sqs, resources.dlq_urls[NOTIFIER]) == []


async def test_a_dry_run_warns_of_what_would_bounce_and_a_replay_that_all_bounces_fails(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    event = ready_event()
    await bury(aws, settings, resources, event.model_dump_json(), event.type)
    await bury(aws, settings, resources, '{"type": "video.ready"}', "video.ready")

    dry = dlq(settings, "replay", NOTIFIER, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would move 2 message(s)" in dry.stdout
    warning = dry.stderr.strip()
    assert "1 of the 2 message(s) would be dead-lettered again" in warning, warning
    assert f"not a valid message for {settings.queue(NOTIFIER)}" in warning
    assert len(await take_all(aws.sqs, resources.queue_urls[NOTIFIER])) == 0

    # only the malformed one left: replaying it sends it to a queue that rejects it at once
    await take_all(aws.sqs, resources.dlq_urls[NOTIFIER])  # hidden for a minute
    await bury(aws, settings, resources, "not json at all", "video.failed")
    doomed = dlq(settings, "replay", NOTIFIER, "--type", "video.failed")
    assert doomed.returncode == 1, (doomed.stdout, doomed.stderr)
    assert "moved 1 message(s)" in doomed.stdout
    assert "every message replayed is dead-lettered again" in doomed.stderr


async def test_a_type_that_no_message_has_is_said(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    for _ in range(2):
        event = ready_event()
        await bury(aws, settings, resources, event.model_dump_json(), event.type)

    result = dlq(settings, "replay", NOTIFIER, "--type", "video.redy")

    assert result.returncode == 0, result.stderr
    assert "no message in" in result.stdout
    assert "has type 'video.redy'; the types there: video.ready (2)" in result.stdout
    assert len(await take_all(aws.sqs, resources.dlq_urls[NOTIFIER])) == 2


async def test_a_second_purge_within_the_minute_is_one_sentence(
    aws: AwsClients, settings: Settings, resources: Resources
) -> None:
    event = ready_event()
    await bury(aws, settings, resources, event.model_dump_json(), event.type)
    assert dlq(settings, "purge", NOTIFIER, "--yes").returncode == 0

    line = one_line_error(dlq(settings, "purge", NOTIFIER, "--yes"))

    assert "purged less than 60 seconds ago" in line
    assert "Try again in a minute" in line


@pytest.mark.usefixtures("resources")
def test_list_fits_80_columns(settings: Settings) -> None:
    listed = dlq(settings, "list", COLUMNS="80")

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, listed.stdout
    for consumer in ("upload-finalizer", "metadata-indexer", "webhook-sender"):
        name = settings.queue(f"{consumer}-dlq")
        assert any(name in line and f" {consumer} " in line for line in lines), listed.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


@pytest.mark.usefixtures("resources")
def test_an_unknown_queue_is_one_line_naming_the_known_ones(settings: Settings) -> None:
    line = one_line_error(dlq(settings, "show", "no-such-queue"))
    assert "'no-such-queue' is not a dead-letter queue" in line
    assert "transcoder" in line
    assert "dlq list" in line


def test_a_stack_that_was_never_provisioned_is_one_line(settings: Settings) -> None:
    line = one_line_error(dlq(settings, "show", NOTIFIER))
    assert "does not exist" in line
    assert "videoshare provision" in line


def test_an_unreachable_endpoint_is_one_line(settings: Settings) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    line = one_line_error(dlq(settings, "list", AWS_ENDPOINT_URL=nowhere))
    assert f"cannot reach {nowhere}" in line
    assert "make run" in line


def test_missing_credentials_are_one_line(settings: Settings) -> None:
    env = child_env(settings)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)
    env.update(
        VIDEOSHARE_MODE="aws",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
        AWS_CONFIG_FILE="/nonexistent/config",
        AWS_EC2_METADATA_DISABLED="true",
        COLUMNS="250",
    )
    result = subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", "dlq", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = one_line_error(result)
    assert "no usable AWS credentials" in line
    assert "AWS_ACCESS_KEY_ID" in line


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["show", "notifier", "--limit", "0"], "must be at least 1"),
        (["replay", "notifier", "--rate", "fast"], "is not a number"),
        (["replay"], "the following arguments are required: queue"),
    ],
)
def test_clumsy_arguments_are_refused_by_the_parser(
    args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["dlq", *args])
    assert exit_.value.code == 2
    assert complaint in capsys.readouterr().err


def test_without_an_endpoint_local_mode_looks_for_the_local_emulator(settings: Settings) -> None:
    env = child_env(settings)
    env.pop("AWS_ENDPOINT_URL")
    result = subprocess.run(
        [sys.executable, "-m", "videoshare.entrypoints.cli.main", "dlq", "show", NOTIFIER],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = one_line_error(result)
    # Whether or not a `make run` is up on 4566 here, the command asked it, not AWS: it is
    # either unreachable, or answers that this test's stack (never provisioned) is not there.
    assert f"cannot reach {LOCAL_ENDPOINT}" in line or "does not exist here" in line, line
    assert "AWS in" not in line
