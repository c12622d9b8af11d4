"""Short-lived playback tokens: what lets a player fetch a playlist without an Authorization
header (Safari's native HLS and hls.js fetch playlists on their own).

    token = "<expiry>.<base64url HMAC-SHA256(key, "<id>:<playback version>:<expiry>")>"

The key is `settings.playback_key()`, the same in every ingress process of a stack. A token
names one video *at one playback version* (`Video.playback_version`, which the domain bumps when
the video goes private or is deleted) and is good until its expiry: making a video private
revokes every token issued before, at once, although nothing about them is stored. It is handed
out only inside a Video that the caller was allowed to see (`hls_url`, `storyboard_url`) and
carried into the playlists' own links, so a player needs nothing else.

Checking takes two steps, so that a caller learns nothing about a video it may not see:
`unexpired` (the form and the expiry, the same answer for any video id), then `valid` against
the stored record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from videoshare.domain.video import Video

_TOKEN = re.compile(r"^(?P<expires>[0-9]{1,12})\.(?P<mac>[A-Za-z0-9_-]{43})$")


def _mac(key: bytes, video: Video, expires: int) -> str:
    message = f"{video.id}:{video.playback_version}:{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class PlaybackTokens:
    key: bytes
    ttl_s: int

    def issue(self, video: Video, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + self.ttl_s
        return f"{expires}.{_mac(self.key, video, expires)}"

    def unexpired(self, token: str, now: float | None = None) -> bool:
        """Whether `token` has a token's form and has not expired (no video needed)."""
        match = _TOKEN.match(token)
        return match is not None and int(match["expires"]) > (
            now if now is not None else time.time()
        )

    def valid(self, video: Video, token: str, now: float | None = None) -> bool:
        """Whether `token` was issued by this stack for `video` at its current playback version
        and has not expired."""
        match = _TOKEN.match(token)
        if match is None or not self.unexpired(token, now):
            return False
        return hmac.compare_digest(match["mac"], _mac(self.key, video, int(match["expires"])))
