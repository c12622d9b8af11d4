"""moto's server with two O(1) replacements in its SQS model, so a deep queue drains fast,
DynamoDB's writes made atomic, as they are on AWS, S3's answer to an unknown multipart upload
made AWS's, and less work per request.

Run as `python -m videoshare.local.moto_server -H HOST -p PORT [--state-dir DIR]` (what
`local/emulator.py` starts for `make run`, `videoshare emulator` and the tests); it applies the
patches, then runs moto's own `moto.server.main`. Nothing else of moto changes. With
`--state-dir` (`make run`, `videoshare emulator --state-dir`) it loads the state saved there
before it listens, and saves it again when it is stopped with SIGTERM or SIGINT
(`local/emulator_state.py`).

Why (moto 5.2.5, measured with py-spy): for every message `receive_message` hands out it calls
`is_message_valid_based_on_retention_period`, which reads `MessageRetentionPeriod` through
`get_queue_attributes`, which builds *all* the queue's attributes three times, and each build
counts the visible, in-flight and delayed messages by walking the whole queue; each message's
`visible` / `delayed` asks moto's `unix_time_millis`, which builds two naive datetimes and
subtracts them (about 5 µs). So one received message cost about 14 clock reads per message in
the queue: a 2,000-deep queue drained at under 10 messages a second, in-process, on one core.

1. `is_message_valid_based_on_retention_period` reads the queue's `message_retention_period`
   (the same integer `get_queue_attributes` reported) instead of building every attribute.
2. The SQS model's `unix_time` / `unix_time_millis` become `time.time()` (the same instant:
   seconds since the epoch; moto computes it as naive UTC now minus naive UTC epoch). Walks of
   the queue that remain (`Queue.messages` once per receive, attributes on `send_message`) get
   about ten times cheaper.

3. DynamoDB's writes (`put_item`, `update_item`, `delete_item`, `transact_write_items`) run one
   at a time. moto's server is threaded and its backend reads an item, checks the condition and
   writes without a lock, so two conditional updates of one item could both pass their condition
   (measured: six parallel takes of a limit of two granted three); on DynamoDB each write is
   atomic, and the quotas and slots of the `limits` table rely on it.

4. moto's dispatcher asks `moto.backends.list_of_moto_modules()` on every request, under its
   one dispatch lock: a listdir of moto's package and an `isdir` for each of its ~150 entries,
   6 % of the emulator's CPU in the suite (py-spy). The folder does not change while the server
   runs: the answer is read once and kept.
5. werkzeug's access log wrote a line for every request (5 % of the emulator's CPU); a request
   that succeeded says nothing a developer reads, so only those that failed (4xx, 5xx) keep
   their line.
6. S3's `complete_multipart_upload` of an upload id moto does not hold raised a `KeyError`: a
   500, which every client retries with backoff (12 s in the contract test) before it fails.
   It answers `NoSuchUpload`, as S3 does.

Each replacement checks that the pinned moto still has what it replaces, with the signature it
had, and raises `MotoPatchFailed` otherwise: a moto upgrade must fail loudly at start, never
silently run unpatched (`tests/unit/test_moto_patches.py` holds the equivalence tests).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import moto.backends as moto_backends
import moto.dynamodb.models as dynamodb_models
import moto.s3.models as s3_models
import moto.server
import moto.sqs.models as sqs_models
from moto.core import utils as moto_utils
from moto.s3.exceptions import NoSuchUpload
from werkzeug.serving import WSGIRequestHandler

from videoshare.local import emulator_state
from videoshare.local.emulator import SAYS

# What each replaced function looked like in the pinned moto (5.2.5): its parameters.
_EXPECTED: dict[str, tuple[str, ...]] = {
    "is_message_valid_based_on_retention_period": ("self", "queue_name", "message"),
    "unix_time": ("dt",),
    "unix_time_millis": ("dt",),
    "list_of_moto_modules": (),
    "log_request": ("self", "code", "size"),
    "complete_multipart_upload": ("self", "bucket_name", "multipart_id", "body"),
}


class MotoPatchFailed(RuntimeError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"cannot patch moto: {what}; the pinned moto changed, so re-measure "
            f"and update videoshare/local/moto_server.py (or start `python -m moto.server`)"
        )


def retention_valid(backend: Any, queue_name: str, message: Any) -> bool:
    """O(1) `SQSBackend.is_message_valid_based_on_retention_period`: the same answer."""
    retention_period: int = backend.get_queue(queue_name).message_retention_period
    retain_until = retention_period + message.sent_timestamp / 1000
    return bool(retain_until > unix_time())


def unix_time(dt: Any = None) -> float:
    """moto's `unix_time` without building datetimes when it is asked for now."""
    if dt is None:
        return time.time()
    return float(moto_utils.unix_time(dt))


def unix_time_millis(dt: Any = None) -> float:
    return unix_time(dt) * 1000.0


def _check(owner: object, name: str) -> None:
    original = getattr(owner, name, None)
    if not callable(original):
        raise MotoPatchFailed(f"{getattr(owner, '__name__', owner)} has no {name}")
    parameters = tuple(inspect.signature(original).parameters)
    if parameters != _EXPECTED[name]:
        raise MotoPatchFailed(f"{name} now takes {parameters}, not {_EXPECTED[name]}")


def apply(models: Any = sqs_models) -> None:
    """Replace the three functions in `models` (moto's SQS model module); idempotent."""
    if getattr(models, "unix_time", None) is unix_time:  # applied already
        return
    backend = models.SQSBackend
    _check(backend, "is_message_valid_based_on_retention_period")
    _check(models, "unix_time")
    _check(models, "unix_time_millis")
    backend.is_message_valid_based_on_retention_period = retention_valid
    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis


def keep_module_list(backends: Any = moto_backends) -> None:
    """Make `backends.list_of_moto_modules` answer from one reading of moto's folder; idempotent."""
    if getattr(getattr(backends, "list_of_moto_modules", None), "kept", False):
        return
    _check(backends, "list_of_moto_modules")
    modules = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    list_of_moto_modules.kept = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = list_of_moto_modules


def log_failures_only(handler: Any = WSGIRequestHandler) -> None:
    """Make `handler.log_request` (werkzeug's access log) write only failed requests' lines;
    idempotent."""
    original = handler.log_request
    if getattr(original, "failures_only", False):
        return
    _check(handler, "log_request")

    def log_request(self: Any, code: Any = "-", size: Any = "-") -> None:
        if not str(code).isdigit() or int(code) >= 400:
            original(self, code, size)

    log_request.failures_only = True  # type: ignore[attr-defined]
    handler.log_request = log_request


def answer_no_such_upload(backend: Any = None) -> None:
    """Make `complete_multipart_upload` of `backend` (moto's `S3Backend`) raise `NoSuchUpload`
    for an upload id its bucket does not hold, instead of a `KeyError`; idempotent."""
    backend = backend or s3_models.S3Backend
    original = backend.complete_multipart_upload
    if getattr(original, "no_such_upload", False):
        return
    _check(backend, "complete_multipart_upload")

    @functools.wraps(original)
    def complete_multipart_upload(self: Any, bucket_name: str, multipart_id: str, body: Any) -> Any:
        if multipart_id not in self.get_bucket(bucket_name).multiparts:
            raise NoSuchUpload(upload_id=multipart_id)
        return original(self, bucket_name, multipart_id, body)

    complete_multipart_upload.no_such_upload = True  # type: ignore[attr-defined]
    backend.complete_multipart_upload = complete_multipart_upload


DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_dynamodb_writes = threading.RLock()  # re-entrant: a transaction's writes call the others


def _one_at_a_time(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _dynamodb_writes:
            return write(*args, **kwargs)

    locked.serialized = True  # type: ignore[attr-defined]
    return locked


def serialize_dynamodb_writes(backend: Any = None) -> None:
    """Make each of `DYNAMODB_WRITES` of `backend` (moto's `DynamoDBBackend`) hold one lock;
    idempotent."""
    backend = backend or dynamodb_models.DynamoDBBackend
    for name in DYNAMODB_WRITES:
        write = getattr(backend, name, None)
        if not callable(write):
            raise MotoPatchFailed(f"{getattr(backend, '__name__', backend)} has no {name}")
        if not getattr(write, "serialized", False):
            setattr(backend, name, _one_at_a_time(write))


def main(argv: list[str] | None = None) -> None:
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--state-dir", type=Path)
    args, moto_argv = ours.parse_known_args(argv if argv is not None else sys.argv[1:])
    apply()
    serialize_dynamodb_writes()
    keep_module_list()
    log_failures_only()
    answer_no_such_upload()
    if args.state_dir is None:
        moto.server.main(moto_argv)
        return
    _load(args.state_dir)
    try:
        moto.server.main(moto_argv)  # until SIGTERM or SIGINT (moto's handlers: SystemExit)
    finally:
        started = time.monotonic()
        try:
            size = emulator_state.save(args.state_dir)
        except Exception as error:
            _say(f"NOT saved ({type(error).__name__}: {error}); the last saved state stays")
            raise
        _say(f"saved {_size(size)} in {time.monotonic() - started:.2f} s")


def _load(folder: Path) -> None:
    try:
        loaded = emulator_state.load(folder)
    except emulator_state.Unreadable as error:
        _say(f"{error}; starting empty")
        return
    if loaded is None:
        _say(f"none saved in {folder} yet; starting empty")
    else:
        _say(
            f"loaded {_size(loaded.size_bytes)} from {folder} "
            f"in {loaded.seconds:.2f} s ({loaded.backends} backends)"
        )


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def _say(text: str) -> None:
    print(SAYS + text, flush=True)


if __name__ == "__main__":
    main()
