"""Helpers shared by the test tiers (not fixtures)."""

from __future__ import annotations

import os
import uuid

from videoshare.settings import Settings


def unique_stack(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a child process of the stack described by `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOSHARE_", "AWS_"))}
    env.update(
        {
            "VIDEOSHARE_STACK": settings.stack,
            "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": settings.aws_region,
            "VIDEOSHARE_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env
