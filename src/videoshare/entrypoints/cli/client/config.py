"""Where the API is, who is calling, and where the client keeps its small files.

Flags win over the environment: `--api-url` / `VIDEOSHARE_API_URL` (default the local ingress),
`--email` / `VIDEOSHARE_EMAIL`, `--password` / `VIDEOSHARE_PASSWORD`. Cached tokens and resume
state live in `VIDEOSHARE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/videoshare`, else
`~/.config/videoshare`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from videoshare.entrypoints.cli.client.errors import ClientFailure

DEFAULT_API_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class ClientConfig:
    api_url: str
    email: str | None
    password: str | None
    config_dir: Path


def client_config(
    *,
    api_url: str | None,
    email: str | None,
    password: str | None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    env = os.environ if environ is None else environ
    url = (api_url or env.get("VIDEOSHARE_API_URL") or DEFAULT_API_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ClientFailure(
            f"the API URL {url!r} is not an http(s) address; set --api-url or "
            "VIDEOSHARE_API_URL like http://127.0.0.1:8080",
            exit_code=2,
        )
    return ClientConfig(
        api_url=url,
        email=(email or env.get("VIDEOSHARE_EMAIL") or None),
        password=(password or env.get("VIDEOSHARE_PASSWORD") or None),
        config_dir=config_dir(env),
    )


def config_dir(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("VIDEOSHARE_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "videoshare"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    staging.chmod(0o600)
    staging.replace(path)
