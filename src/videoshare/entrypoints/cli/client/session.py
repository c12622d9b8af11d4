"""An authenticated conversation with the API: logs in, refreshes on expiry, and turns every
error answer or network failure into a `ClientFailure` that says what to do."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from videoshare.entrypoints.cli.client.config import ClientConfig
from videoshare.entrypoints.cli.client.credentials import CachedLogin, TokenCache
from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence

NOT_LOGGED_IN = (
    "not logged in: run `videoshare login`, or set VIDEOSHARE_EMAIL and VIDEOSHARE_PASSWORD"
)
API_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=60)


async def read_body(response: aiohttp.ClientResponse) -> Any:
    """The JSON body of an answer, or None when it has none (or is not JSON)."""
    raw = await response.read()
    if not raw or "json" not in response.content_type:
        return None
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


class ApiSession:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        config: ClientConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.config = config
        self.cache = TokenCache(config.config_dir)
        self._clock = clock
        self._login: CachedLogin | None = None

    def url(self, path: str) -> str:
        return f"{self.config.api_url}{path}"

    def unreachable(self, exc: BaseException) -> ClientFailure:
        reason = str(exc) or type(exc).__name__
        return ClientFailure(
            f"cannot reach the API at {self.config.api_url} ({reason}); is it running? "
            "Set --api-url or VIDEOSHARE_API_URL to its address"
        )

    # --- logging in --------------------------------------------------------------------------
    async def login_with_password(self) -> CachedLogin:
        email, password = self.config.email, self.config.password
        if not email or not password:
            raise ClientFailure(NOT_LOGGED_IN, exit_code=2)
        status, body = await self.post_anonymous(
            "/v1/auth/login", {"email": email, "password": password}
        )
        if status == 401:
            # The API answers the same for an unknown e-mail (on purpose): name both.
            raise ClientFailure(
                "login failed: the e-mail or password is wrong (check --email/--password or "
                "VIDEOSHARE_EMAIL/VIDEOSHARE_PASSWORD), or no account with this e-mail: "
                "`videoshare register`",
                exit_code=2,
            )
        if status == 403 and isinstance(body, dict) and _slug(body) == "not-confirmed":
            raise ClientFailure(
                f"login failed: {email} is not confirmed yet; confirm it with the code it was "
                f"sent: `videoshare confirm --email {email} CODE`",
                exit_code=2,
            )
        if status != 200 or not isinstance(body, dict):
            raise ClientFailure(problem_sentence(status, body, "login"))
        login = CachedLogin.from_tokens(email.strip().lower(), body, self._clock())
        self.cache.put(self.config.api_url, login)
        self._login = login
        return login

    async def _refreshed(self, cached: CachedLogin) -> CachedLogin | None:
        status, body = await self.post_anonymous(
            "/v1/auth/refresh", {"refresh_token": cached.refresh_token}
        )
        if status != 200 or not isinstance(body, dict):
            return None
        login = CachedLogin.from_tokens(cached.email, body, self._clock(), cached.refresh_token)
        self.cache.put(self.config.api_url, login)
        return login

    async def access_token(self) -> str:
        if self._login is not None and self._login.fresh_at(self._clock()):
            return self._login.access_token
        cached = self.cache.get(self.config.api_url)
        wanted = self.config.email.strip().lower() if self.config.email else None
        if cached is not None and wanted in (None, cached.email):
            login = cached if cached.fresh_at(self._clock()) else await self._refreshed(cached)
            if login is not None:
                self._login = login
                return login.access_token
        if not self.config.password and cached is not None and wanted in (None, cached.email):
            raise ClientFailure(
                "your session has expired: run `videoshare login` again", exit_code=2
            )
        return (await self.login_with_password()).access_token

    async def post_anonymous(self, path: str, body: Mapping[str, Any]) -> tuple[int, Any]:
        try:
            async with self.http.post(self.url(path), json=body, timeout=API_TIMEOUT) as response:
                return response.status, await read_body(response)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.unreachable(exc) from exc

    # --- calls -------------------------------------------------------------------------------
    @asynccontextmanager
    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        client_timeout: aiohttp.ClientTimeout = API_TIMEOUT,
        **kwargs: Any,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """An authenticated request; a 401 refreshes (or logs in again) and retries once."""
        extra_headers = dict(kwargs.pop("headers", None) or {})
        for attempt in (1, 2):
            headers = {**extra_headers, "Authorization": f"Bearer {await self.access_token()}"}
            try:
                async with self.http.request(
                    method,
                    self.url(path),
                    headers=headers,
                    allow_redirects=False,
                    timeout=client_timeout,
                    **kwargs,
                ) as response:
                    if response.status == 401 and attempt == 1:
                        self._login = None
                        self._expire_cached()
                        continue
                    yield response
                    return
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                raise self.unreachable(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _expire_cached(self) -> None:
        cached = self.cache.get(self.config.api_url)
        if cached is not None:
            self.cache.put(
                self.config.api_url,
                CachedLogin(cached.email, cached.access_token, cached.refresh_token, 0.0),
            )

    async def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        expect: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> Any:
        """The JSON answer of an authenticated call; `ClientFailure` for any other status."""
        async with self.request(method, path, what=what, **kwargs) as response:
            body = await read_body(response)
            if response.status not in expect:
                raise ClientFailure(problem_sentence(response.status, body, what))
            return body


def _slug(problem: dict[str, Any]) -> str:
    """The last part of a problem's `type` (`/problems/not-confirmed` → `not-confirmed`)."""
    return str(problem.get("type", "")).rstrip("/").rpartition("/")[2]
