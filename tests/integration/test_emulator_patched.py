"""The emulator process the suite runs is the patched one (`videoshare/local/moto_server.py`),
and through it SQS still behaves as moto's does: messages past the queue's retention period are
no longer handed out, and the queue's attributes count what is visible and in flight."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import eventually, unique_stack
from videoshare.aws import AwsClients
from videoshare.local.emulator import EMULATOR_MODULE, Emulator, answers, start_emulator
from videoshare.tcp_ports import free_port

pytestmark = pytest.mark.integration


def test_the_emulator_runs_the_patched_server(emulator: Emulator) -> None:
    assert EMULATOR_MODULE == "videoshare.local.moto_server"
    assert EMULATOR_MODULE in emulator.process.args  # type: ignore[operator]


async def test_a_message_past_its_retention_period_is_no_longer_received(
    aws: AwsClients,
) -> None:
    # moto accepts a 1 s retention (AWS's minimum is 60 s), so expiry needs no long wait.
    url = (
        await aws.sqs.create_queue(
            QueueName=unique_stack("retention"), Attributes={"MessageRetentionPeriod": "1"}
        )
    )["QueueUrl"]
    await aws.sqs.send_message(QueueUrl=url, MessageBody="short-lived")

    async def received() -> list[str]:
        answer = await aws.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0, VisibilityTimeout=0
        )
        return [m["Body"] for m in answer.get("Messages", [])]

    assert await received() == ["short-lived"]  # within its retention: handed out

    async def expired() -> bool:
        return await received() == []

    await eventually(expired, timeout_s=10, interval_s=0.2, what="the message expired")


async def test_queue_attributes_count_visible_and_in_flight_messages(aws: AwsClients) -> None:
    url = (
        await aws.sqs.create_queue(
            QueueName=unique_stack("attrs"), Attributes={"MessageRetentionPeriod": "600"}
        )
    )["QueueUrl"]
    for n in range(3):
        await aws.sqs.send_message(QueueUrl=url, MessageBody=str(n))
    taken = await aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0, VisibilityTimeout=60
    )
    assert len(taken.get("Messages", [])) == 1

    attrs = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "2"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "0"
    assert attrs["MessageRetentionPeriod"] == "600"


def test_the_emulator_makes_the_folder_of_its_log(tmp_path: Path) -> None:
    # A fresh clone has no test-artifacts/ yet, and the first test may start its own emulator.
    log = tmp_path / "not-yet" / "emulator.log"
    emulator = start_emulator(port=free_port(), log_path=log)
    try:
        assert answers(emulator.endpoint)
    finally:
        emulator.stop()
    assert log.stat().st_size > 0  # moto's own start-up lines
