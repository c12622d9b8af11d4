"""How long a failed message stays invisible before its next attempt.

Exponential backoff with full jitter (a random delay between 0 and `base * 2**(attempt - 1)`,
capped), in whole seconds because that is what SQS visibility timeouts take, and never above
SQS's 12-hour maximum. Pure functions: the random source is a parameter.
"""

from __future__ import annotations

import math
import random

# SQS refuses a visibility timeout above 12 hours, and a message delay above 15 minutes.
MAX_VISIBILITY_S = 12 * 3600
MAX_DELAY_S = 15 * 60

_random = random.Random()  # noqa: S311 - jitter, not cryptography


def clamp_visibility(seconds: float) -> int:
    """Whole seconds SQS accepts as a visibility timeout: rounded up, within 0..12 h."""
    if math.isnan(seconds):
        return 0
    return max(0, min(MAX_VISIBILITY_S, math.ceil(seconds)))


def clamp_delay(seconds: float) -> int:
    """Whole seconds SQS accepts as a message's delay: rounded up, within 0..15 min."""
    return min(MAX_DELAY_S, clamp_visibility(seconds))


def backoff_ceiling(attempt: int, *, base_s: float, cap_s: float) -> float:
    """The largest delay attempt `attempt` (1 for the first receive) may wait."""
    exponent = min(max(attempt, 1) - 1, 64)  # 2**64 * base is past any cap; avoids overflow
    return min(cap_s, base_s * 2.0**exponent, MAX_VISIBILITY_S)


def backoff_delay(
    attempt: int,
    *,
    base_s: float,
    cap_s: float,
    rng: random.Random | None = None,
) -> int:
    """Full-jitter delay in whole seconds before the message after attempt `attempt` is retried."""
    ceiling = backoff_ceiling(attempt, base_s=base_s, cap_s=cap_s)
    return clamp_visibility((rng or _random).uniform(0, ceiling))
