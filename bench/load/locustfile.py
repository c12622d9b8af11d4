"""The load test's people (issue 16, item 5), for locust: `make load` runs it (run.py).

Each simulated person registers (local mode confirms at once) and logs in, makes one tiny clip
of their own, then, at random, uploads it (created, then a presigned PUT as the web app does),
browses the public feed, watches a ready video (its master playlist through the API's
`hls_url`, one variant playlist, its first segments) and downloads one (the API's redirect,
then the object). Everyone polls their own uploads until `ready` or `rejected`, as the
web app follows a video it sent.

The number of people rises in steps (`Steps`, the plan of `LOAD_STEPS` and `LOAD_MINUTES`:
`steps.Plan`). Each step's start, every request (its route, time, outcome and whether the
ingress answered it) and every upload (its id, its owner's token and when its PUT ended) go to
the timeline (`VIDEOSHARE_LOAD_TIMELINE`, `timeline.py`), from which run.py measures each step,
times every upload to `ready` and checks that none was lost.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from locust import HttpUser, LoadTestShape, between, events, task
from locust.env import Environment
from tests.media import make_clip

from bench.load.steps import Plan
from bench.load.timeline import Writer

CLIP_S = float(os.environ.get("LOAD_CLIP_S", "3"))
PLAN = Plan.from_env(os.environ)
TIMELINE = Writer(os.environ.get("VIDEOSHARE_LOAD_TIMELINE"))
TERMINAL = {"ready", "rejected", "failed"}
SEGMENTS_PER_WATCH = 2
_host: list[str] = []  # the API's base URL, once locust has started


class Steps(LoadTestShape):
    """`PLAN`'s people, step by step; each step's start marked on the timeline."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.marked: int | None = None

    def tick(self) -> tuple[int, float] | None:
        step = PLAN.step_at(self.get_run_time())  # type: ignore[no-untyped-call]
        if step is None:
            return None
        users = PLAN.users[step]
        if step != self.marked:
            self.marked = step
            TIMELINE.write("step", users=users)
        return users, PLAN.spawn_rate


@events.init.add_listener  # type: ignore[untyped-decorator]
def _remember_host(environment: Environment, **_: Any) -> None:
    _host.append((environment.host or "").rstrip("/"))


@events.request.add_listener  # type: ignore[untyped-decorator]
def _record(
    name: str, response_time: float, exception: BaseException | None, url: str = "", **_: Any
) -> None:
    TIMELINE.write(
        "request",
        route=name,
        ms=response_time,
        ok=exception is None,
        api=bool(_host) and url.startswith(_host[0] + "/"),
    )


class Viewer(HttpUser):
    """A person who uploads now and then, and mostly browses and watches."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.email = f"load-{uuid.uuid4().hex[:12]}@example.com"
        password = "correct horse 9 battery"  # noqa: S105 - a throwaway local account
        self.client.post(
            "/v1/auth/register",
            json={"email": self.email, "password": password, "display_name": "Load"},
            name="POST /v1/auth/register",
        )
        tokens = self.client.post(
            "/v1/auth/login",
            json={"email": self.email, "password": password},
            name="POST /v1/auth/login",
        ).json()
        self.token: str = tokens["access_token"]
        self.client.headers["Authorization"] = f"Bearer {self.token}"
        folder = Path(tempfile.mkdtemp(prefix="videoshare-load-"))
        # one tiny clip per person, each its own file (a different length: not one object)
        self.clip = make_clip(
            folder / "clip.mp4",
            seconds=CLIP_S + secrets.randbelow(1000) / 1000,
            width=320,
            height=240,
        ).read_bytes()
        self.pending: set[str] = set()  # own videos not yet ended
        self.ready: list[str] = []

    @task(1)
    def upload(self) -> None:
        with self.client.post(
            "/v1/videos",
            json={
                "title": f"load {uuid.uuid4().hex[:6]}",
                "visibility": "public",
                "filename": "clip.mp4",
                "content_type": "video/mp4",
                "size_bytes": len(self.clip),
            },
            name="POST /v1/videos",
            catch_response=True,
        ) as created:
            if created.status_code != 201:
                created.failure(f"{created.status_code}: {created.text[:200]}")
                return
            body = created.json()
        upload = body["upload"]
        put = self.client.put(
            upload["url"], data=self.clip, headers=upload["headers"], name="PUT upload (S3)"
        )
        if put.status_code == 200:
            video_id = body["video"]["id"]
            self.pending.add(video_id)
            TIMELINE.write("upload", id=video_id, token=self.token)

    @task(3)
    def poll_my_uploads(self) -> None:
        for video_id in list(self.pending):
            video = self._get(f"/v1/videos/{video_id}", "GET /v1/videos/{id}")
            if video is None or video["status"] not in TERMINAL:
                continue
            self.pending.discard(video_id)
            if video["status"] == "ready":
                self.ready.append(video_id)

    @task(5)
    def browse_feed(self) -> None:
        self._get("/v1/videos?scope=public&limit=20", "GET /v1/videos?scope=public")

    @task(3)
    def watch(self) -> None:
        video = self._a_ready_video()
        if video is None or not video.get("hls_url"):
            return
        master_url = urljoin(self.host, video["hls_url"])
        master = self.client.get(master_url, name="GET hls master.m3u8")
        variants = _uris(master.text) if master.ok else []
        if not variants:
            return
        variant_url = urljoin(master_url, secrets.choice(variants))
        variant = self.client.get(variant_url, name="GET hls variant.m3u8")
        for segment in (_uris(variant.text) if variant.ok else [])[:SEGMENTS_PER_WATCH]:
            self.client.get(urljoin(variant_url, segment), name="GET hls segment")

    @task(1)
    def download(self) -> None:
        video = self._a_ready_video()
        if video is None:
            return
        redirect = self.client.get(
            f"/v1/videos/{video['id']}/download",
            allow_redirects=False,
            name="GET /v1/videos/{id}/download",
        )
        if redirect.status_code == 302:
            self.client.get(
                redirect.headers["Location"], name="GET download (the redirect's target)"
            )

    def _a_ready_video(self) -> dict[str, Any] | None:
        """One of the feed's videos, or one of this person's own once ready."""
        feed = self._get("/v1/videos?scope=public&limit=20", "GET /v1/videos?scope=public")
        items = [v for v in (feed or {}).get("items", []) if v.get("status") == "ready"]
        if items:
            return dict(secrets.choice(items))
        if self.ready:
            return self._get(f"/v1/videos/{secrets.choice(self.ready)}", "GET /v1/videos/{id}")
        return None

    def _get(self, path: str, name: str) -> dict[str, Any] | None:
        response = self.client.get(path, name=name)
        return dict(response.json()) if response.ok else None


def _uris(playlist: str) -> list[str]:
    return [line.strip() for line in playlist.splitlines() if line.strip() and line[0] != "#"]
