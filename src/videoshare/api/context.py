"""What the handlers work with, wired once per process (see `app.bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from videoshare.adapters.cognito import CognitoIdentity
from videoshare.adapters.notifications import NotificationRepository
from videoshare.adapters.search import SearchIndex
from videoshare.adapters.storage import MediaStorage
from videoshare.adapters.tokens import AccessTokens
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import AwsClients
from videoshare.bus.publisher import Publisher
from videoshare.infra.resources import Resources
from videoshare.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    aws: AwsClients
    resources: Resources
    videos: VideoRepository
    notifications: NotificationRepository
    publisher: Publisher
    storage: MediaStorage
    identity: CognitoIdentity
    tokens: AccessTokens
    search: SearchIndex


SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]
