"""What the handlers work with: the process's `Dependencies` (`videoshare.bootstrap`), wired
once when the app starts and kept under a typed `web.AppKey`."""

from __future__ import annotations

from aiohttp import web

from videoshare.bootstrap import Dependencies
from videoshare.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DEPENDENCIES = web.AppKey("dependencies", Dependencies)


def dependencies(request: web.Request) -> Dependencies:
    return request.app[DEPENDENCIES]
