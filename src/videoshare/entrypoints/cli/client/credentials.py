"""The token cache: one login per API URL, in `tokens.json` (0600) under the config folder.

Tokens are refreshed a minute before they expire, so a call never starts with a token that
dies on the way.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from videoshare.entrypoints.cli.client.config import write_private

REFRESH_MARGIN_S = 60


@dataclass(frozen=True)
class CachedLogin:
    email: str
    access_token: str
    refresh_token: str
    expires_at: float  # unix seconds

    def fresh_at(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN_S

    @classmethod
    def from_tokens(
        cls, email: str, tokens: dict[str, Any], now: float, refresh_token: str = ""
    ) -> CachedLogin:
        """From a login or refresh answer; a refresh answer may omit the refresh token."""
        return cls(
            email=email,
            access_token=str(tokens["access_token"]),
            refresh_token=str(tokens.get("refresh_token") or refresh_token),
            expires_at=now + float(tokens.get("expires_in", 0)),
        )


class TokenCache:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "tokens.json"

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: behave as logged out
        return data if isinstance(data, dict) else {}

    def get(self, api_url: str) -> CachedLogin | None:
        entry = self._read().get(api_url)
        if not isinstance(entry, dict):
            return None
        try:
            return CachedLogin(
                email=str(entry["email"]),
                access_token=str(entry["access_token"]),
                refresh_token=str(entry["refresh_token"]),
                expires_at=float(entry["expires_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, api_url: str, login: CachedLogin) -> None:
        data = self._read()
        data[api_url] = asdict(login)
        write_private(self.path, json.dumps(data, indent=2))

    def forget(self, api_url: str) -> None:
        data = self._read()
        if data.pop(api_url, None) is not None:
            write_private(self.path, json.dumps(data, indent=2))
