"""Ports our processes listen on: a free one, and a taken one said in a sentence.

Neutral ground: the ingress, the workers' side servers, the CLI and the local stack all check
ports, and none of them should have to import the emulator (`local/`) to do it.
"""

from __future__ import annotations

import socket


class PortInUse(Exception):
    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(
            f"port {port} on {host} is already taken, so the {what} cannot start there; "
            f"stop whatever uses it (is `make run` already running?) or choose another port"
        )


def ensure_port_free(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves bind: connections of a stopped server in TIME_WAIT do
        # not make the port taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(host, port, what) from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
