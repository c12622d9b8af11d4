"""Short-lived playback tokens: what lets a player fetch a playlist without an Authorization
header (Safari's native HLS and hls.js fetch playlists on their own).

    token = "<expiry, unix seconds>.<base64url HMAC-SHA256(key, "<video id>:<expiry>")>"

The key is `settings.playback_key()`, the same in every ingress process of a stack. A token
names one video and is good until its expiry; it is handed out only inside a Video that the
caller was allowed to see (`hls_url`, `storyboard_url`) and carried into the playlists' own
links, so a player needs nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

_TOKEN = re.compile(r"^(?P<expires>[0-9]{1,12})\.(?P<mac>[A-Za-z0-9_-]{43})$")


def _mac(key: bytes, video_id: str, expires: int) -> str:
    digest = hmac.new(key, f"{video_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class PlaybackTokens:
    key: bytes
    ttl_s: int

    def issue(self, video_id: str, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + self.ttl_s
        return f"{expires}.{_mac(self.key, video_id, expires)}"

    def valid(self, video_id: str, token: str, now: float | None = None) -> bool:
        """Whether `token` was issued for `video_id` by this stack and has not expired."""
        match = _TOKEN.match(token)
        if match is None:
            return False
        expires = int(match["expires"])
        if expires <= (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(match["mac"], _mac(self.key, video_id, expires))
