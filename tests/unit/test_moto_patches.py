"""The emulator's two O(1) replacements (`videoshare/local/moto_server.py`) answer exactly what
moto's own functions answer, on moto's real in-memory SQS model; and a moto that no longer has
what they replace makes `apply` fail loudly instead of running unpatched.

Nothing here patches moto in this process: the replacements are called side by side with the
originals, and `apply` is tried on stand-ins of moto's module."""

from __future__ import annotations

import datetime
import types
from typing import Any

import moto.backends
import moto.s3.models
import moto.sqs.models
import pytest
from moto.core import utils as moto_utils
from moto.s3.exceptions import NoSuchUpload

from videoshare.local import moto_server
from videoshare.local.moto_server import MotoPatchFailed, apply, retention_valid

sqs_models: Any = moto.sqs.models  # moto's module, untyped where it re-exports
ORIGINAL_RETENTION = sqs_models.SQSBackend.is_message_valid_based_on_retention_period


def test_this_process_runs_moto_unpatched() -> None:
    assert sqs_models.unix_time is moto_utils.unix_time
    assert ORIGINAL_RETENTION is not retention_valid


@pytest.mark.parametrize("retention_s", [60, 345_600])
@pytest.mark.parametrize("age_s", [0, 59, 61, 345_599, 345_601])
def test_retention_check_answers_as_moto_does(retention_s: int, age_s: int) -> None:
    backend = sqs_models.SQSBackend("us-east-1", "123456789012")
    backend.create_queue("q", MessageRetentionPeriod=str(retention_s))
    message: Any = backend.send_message("q", "body")
    message.sent_timestamp -= age_s * 1000

    expected = ORIGINAL_RETENTION(backend, "q", message)
    assert retention_valid(backend, "q", message) is expected
    assert expected is (age_s < retention_s)  # both fresh and expired cases are covered


def test_retention_check_of_an_unknown_queue_fails_as_moto_does() -> None:
    backend = sqs_models.SQSBackend("us-east-1", "123456789012")
    backend.create_queue("q")
    message = backend.send_message("q", "body")
    with pytest.raises(sqs_models.QueueDoesNotExist):
        ORIGINAL_RETENTION(backend, "other", message)
    with pytest.raises(sqs_models.QueueDoesNotExist):
        retention_valid(backend, "other", message)


def test_the_clock_is_moto_clock() -> None:
    before = sqs_models.unix_time()
    now = moto_server.unix_time()
    after = sqs_models.unix_time()
    assert before <= now <= after + 0.001  # microsecond rounding of moto's datetimes
    millis = moto_server.unix_time_millis()
    assert abs(millis - sqs_models.unix_time_millis()) < 50


def test_the_clock_of_a_given_instant_is_moto_answer() -> None:
    instant = datetime.datetime(2026, 11, 28, 22, 0, 0, 123_456)
    assert moto_server.unix_time(instant) == sqs_models.unix_time(instant)
    assert moto_server.unix_time_millis(instant) == sqs_models.unix_time_millis(instant)


def _models(**overrides: Any) -> types.SimpleNamespace:
    """A stand-in of moto's SQS model module: a subclass of its backend, its clock functions."""
    backend = type("SQSBackend", (sqs_models.SQSBackend,), {})
    return types.SimpleNamespace(
        **{
            "SQSBackend": backend,
            "unix_time": sqs_models.unix_time,
            "unix_time_millis": sqs_models.unix_time_millis,
            **overrides,
        }
    )


def test_apply_replaces_the_three_functions_once() -> None:
    models = _models()
    apply(models)
    assert models.SQSBackend.is_message_valid_based_on_retention_period is retention_valid
    assert models.unix_time is moto_server.unix_time
    assert models.unix_time_millis is moto_server.unix_time_millis
    apply(models)  # a second time changes nothing and does not trip its own checks
    assert models.unix_time is moto_server.unix_time


def test_apply_fails_loudly_when_moto_lost_a_function() -> None:
    with pytest.raises(MotoPatchFailed, match="unix_time_millis"):
        apply(_models(unix_time_millis=None))

    renamed = type("SQSBackend", (), {"is_message_valid_based_on_retention_period": None})

    with pytest.raises(MotoPatchFailed, match="is_message_valid_based_on_retention_period"):
        apply(_models(SQSBackend=renamed))


def test_apply_fails_loudly_when_a_signature_changed() -> None:
    def unix_time(dt: Any = None, *, precise: bool = False) -> float:
        return 0.0

    models = _models(unix_time=unix_time)
    with pytest.raises(MotoPatchFailed, match="unix_time now takes"):
        apply(models)
    assert models.unix_time is unix_time  # nothing was half-applied


def test_dynamodb_writes_are_made_to_hold_one_lock_once() -> None:
    class Backend:
        def update_item(self, value: int) -> int:
            return value + 1

        put_item = delete_item = transact_write_items = update_item

    moto_server.serialize_dynamodb_writes(Backend)
    wrapped = Backend.update_item
    moto_server.serialize_dynamodb_writes(Backend)

    assert Backend.update_item is wrapped  # not wrapped twice
    assert all(
        getattr(getattr(Backend, n), "serialized", False) for n in moto_server.DYNAMODB_WRITES
    )
    assert Backend().update_item(1) == 2


def test_serializing_fails_loudly_when_moto_lost_a_write() -> None:
    class Backend:
        def update_item(self) -> None: ...

    with pytest.raises(MotoPatchFailed, match="has no put_item"):
        moto_server.serialize_dynamodb_writes(Backend)


def test_the_kept_module_list_is_what_moto_lists() -> None:
    backends = types.SimpleNamespace(list_of_moto_modules=moto.backends.list_of_moto_modules)
    moto_server.keep_module_list(backends)
    kept = backends.list_of_moto_modules()
    assert kept == tuple(moto.backends.list_of_moto_modules())
    assert {"sqs", "s3", "dynamodb", "cognitoidp"} <= set(kept)
    moto_server.keep_module_list(backends)  # idempotent: still the one reading
    assert backends.list_of_moto_modules() is kept


@pytest.mark.parametrize(
    ("code", "logged"),
    [(200, False), (204, False), (304, False), (400, True), (404, True), (500, True), ("-", True)],
)
def test_the_access_log_keeps_failed_requests_only(code: object, logged: bool) -> None:
    lines: list[object] = []

    class Handler:
        def log_request(self, code: object = "-", size: object = "-") -> None:
            lines.append(code)

    moto_server.log_failures_only(Handler)
    moto_server.log_failures_only(Handler)  # idempotent: wrapped once
    Handler().log_request(code, 12)
    assert lines == ([code] if logged else [])


def test_a_moto_without_the_module_list_fails_loudly() -> None:
    with pytest.raises(MotoPatchFailed, match="list_of_moto_modules"):
        moto_server.keep_module_list(types.SimpleNamespace())


def test_completing_an_unknown_multipart_upload_is_no_such_upload_as_on_s3() -> None:
    s3_backend: Any = moto.s3.models.S3Backend

    class Patched(s3_backend):  # type: ignore[misc]
        """moto's S3 backend, patched here alone (moto's own class stays as it is)."""

    moto_server.answer_no_such_upload(Patched)
    moto_server.answer_no_such_upload(Patched)  # idempotent: wrapped once
    assert Patched.complete_multipart_upload.__wrapped__ is s3_backend.complete_multipart_upload
    backend = Patched("us-east-1", "123456789012")
    backend.create_bucket("patched", "us-east-1")
    with pytest.raises(KeyError):  # moto's own answer: a 500
        s3_backend.complete_multipart_upload(backend, "patched", "nope", iter([]))
    with pytest.raises(NoSuchUpload):
        backend.complete_multipart_upload("patched", "nope", iter([]))
    # a real upload still completes through the patched method
    upload = backend.create_multipart_upload("patched", "k", {}, "STANDARD", {}, None, None, None)
    part = backend.upload_part("patched", upload.id, 1, b"x" * 10)
    done = backend.complete_multipart_upload("patched", upload.id, iter([(1, part.etag)]))
    assert done is not None
    assert done.value == b"x" * 10


def test_a_moto_whose_multipart_completion_changed_fails_loudly() -> None:
    class Changed:
        def complete_multipart_upload(self, bucket_name: str, upload_id: str) -> None: ...

    with pytest.raises(MotoPatchFailed, match="complete_multipart_upload"):
        moto_server.answer_no_such_upload(Changed)
