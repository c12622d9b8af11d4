"""The emulator's state on disk: every moto backend pickled at a clean stop, loaded at start.

This runs inside the emulator's process (`local/moto_server.py`), where moto keeps everything
in memory: accounts (Cognito), tables (DynamoDB), queues and their messages (SQS, in flight
ones too, with their visibility), topics (SNS) and objects (S3; moto's own `FakeKey`
pickles its bytes). Why a snapshot and not moto's request recorder: replaying requests does
not rebuild the same state (Cognito ids, receipt handles and tokens are random, a replayed
receive would hand the same messages out again), and the log grows with every poll.

One file, `STATE_FILE` in the state folder, written whole at a clean stop (a temporary file,
then a rename: a stop killed half-way leaves the last good snapshot). It starts with a header
naming its format and moto's version; a snapshot that cannot be read (another moto, another
format, a damaged file) is moved aside as `STATE_FILE.unreadable-<time>` and the emulator
starts empty, saying so in one line.

Pickled as one graph, so backends that point at each other stay one object each. What moto
holds that pickle cannot take is rebuilt: locks and conditions anew, Cognito's signing key
from its PEM, and moto's per-service registries (`BackendDict`, `AccountSpecificBackend`) by
reference to the live ones, never copied.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import moto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.backends import get_backend
from moto.core.base_backend import AccountSpecificBackend, BackendDict

STATE_FILE = "emulator-state.pickle"
FORMAT = 1
HEADER = f"videoshare-emulator-state {FORMAT} moto {moto.__version__}\n".encode()

_LOCK_TYPES: dict[type, Any] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
    threading.Condition: threading.Condition,
}


@dataclass(frozen=True)
class Loaded:
    backends: int
    size_bytes: int
    seconds: float


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, BackendDict):
            return ("services", obj.service_name)
        if isinstance(obj, AccountSpecificBackend):
            return ("account", obj.service_name, obj.account_id)
        return None

    def reducer_override(self, obj: Any) -> Any:
        lock = _LOCK_TYPES.get(type(obj))
        if lock is not None:
            return lock, ()
        if isinstance(obj, rsa.RSAPrivateKey):
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _private_key, (pem,)
        return NotImplemented


def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, None)


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        match pid:
            case ("services", str(service)):
                return get_backend(service)  # type: ignore[call-overload]
            case ("account", str(service), str(account)):
                return get_backend(service)[account]  # type: ignore[call-overload]
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def _live_backends() -> list[tuple[str, str, str, Any]]:
    return [
        (services.service_name, account, region, backend)
        for services in list(BackendDict._instances)  # type: ignore[misc]  # moto's registry
        for account, region, backend in services.iter_backends()
    ]


def save(folder: Path) -> int:
    """Write every backend to `folder/STATE_FILE`; returns its size in bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    partial = path.with_name(path.name + ".partial")
    for attempt in range(3):
        buffer = io.BytesIO()
        buffer.write(HEADER)
        try:
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(_live_backends())
            break
        except RuntimeError:  # a request still running changed a dict while it was walked
            if attempt == 2:
                raise
    with partial.open("wb") as out:
        out.write(buffer.getbuffer())
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    return buffer.tell()


def load(folder: Path) -> Loaded | None:
    """Install the backends of `folder/STATE_FILE` in moto; None when there is none.
    Raises `Unreadable` (after moving the file aside) when it cannot be used."""
    path = folder / STATE_FILE
    if not path.exists():
        return None
    started = time.monotonic()
    try:
        with path.open("rb") as source:
            header = source.readline()
            if header != HEADER:
                found = header.decode(errors="replace").strip()[:80] or "no header"
                raise _Mismatch(f"it was written by another version ({found!r})")
            saved = _Unpickler(source).load()
        for service, account, region, backend in saved:
            services = get_backend(service)
            # the account's registry, made as moto makes it; the region's backend put in
            dict.__setitem__(services[account], region, backend)
    except Exception as error:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        path.replace(aside)
        BackendDict.reset()  # nothing half-loaded stays
        reason = str(error) if isinstance(error, _Mismatch) else f"{type(error).__name__}: {error}"
        raise Unreadable(f"{path} could not be loaded ({reason}); moved to {aside}") from error
    return Loaded(len(saved), path.stat().st_size, time.monotonic() - started)


class _Mismatch(Exception):
    pass


class Unreadable(Exception):
    """The snapshot could not be used; it was moved aside and the emulator starts empty."""
