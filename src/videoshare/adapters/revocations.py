"""Accounts whose every token is refused at once, on every ingress process (the `limits` table).

    users = RevokedUsers(dynamodb, table)
    await users.add(sub)                  # the account is being deleted
    await users.contains(sub)             # True: refuse whatever token of theirs

A signature stays valid until the token expires, and Cognito's own refusal (after a global
sign-out or once the user is deleted) is only asked every `SESSION_RECHECK_S` per token
(`adapters/tokens.AccessTokens`). So deleting an account also writes one marker, which the
verifier reads whenever it would trust a token without asking Cognito: a consistent read by
key, and "not revoked" remembered for `recheck_s` (1 s) per user, so a busy user costs at most
one read a second per process. The marker's key is a hash of the user's id (nothing of the
account is readable in it) and it expires, by TTL, once any token issued before it has.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# Cognito's access tokens live an hour (the pool keeps the default), plus clock skew.
REVOKED_FOR_S = 3600 + 60
RECHECK_S = 1.0
_MAX_TRACKED = 10_000


class RevokedUsers:
    def __init__(
        self, dynamodb: DynamoDBClient, table: str, *, recheck_s: float = RECHECK_S
    ) -> None:
        self._db = dynamodb
        self._table = table
        self._recheck_s = recheck_s
        self._revoked: set[str] = set()
        self._live: dict[str, float] = {}  # sub → when it was last found not revoked

    async def add(self, sub: str) -> None:
        self._revoked.add(sub)
        self._live.pop(sub, None)
        await self._db.put_item(
            TableName=self._table,
            Item={
                "key": {"S": marker_key(sub)},
                "expires_at_epoch": {"N": str(int(time.time()) + REVOKED_FOR_S)},
            },
        )

    async def contains(self, sub: str) -> bool:
        if sub in self._revoked:
            return True
        checked = self._live.get(sub)
        if checked is not None and time.monotonic() - checked < self._recheck_s:
            return False
        answer = await self._db.get_item(
            TableName=self._table,
            Key={"key": {"S": marker_key(sub)}},
            ConsistentRead=True,
        )
        item = answer.get("Item")
        if item and int(item["expires_at_epoch"]["N"]) > time.time():
            self._revoked.add(sub)
            return True
        if len(self._live) >= _MAX_TRACKED:
            self._live.clear()
        self._live[sub] = time.monotonic()
        return False


def marker_key(sub: str) -> str:
    return "revoked-user#" + hashlib.sha256(sub.encode()).hexdigest()[:32]
