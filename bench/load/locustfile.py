"""The load test's people (issue 16, item 5), for locust: `make load` runs it (run.py).

Each simulated person registers (local mode confirms at once) and logs in, makes one tiny clip
of their own, then, at random, uploads it (created, then a presigned PUT as the web app does),
browses the public feed, watches a ready video (its master playlist through the API's
`hls_url`, one variant playlist, its first segments) and downloads one (the API's redirect,
then the object). Everyone polls their own uploads until `ready` or `rejected`, and each
upload's time from the PUT's end to that status is reported as its own row
(`PIPELINE upload → ready`): time to `ready` under load, to within one poll.

Every upload's id and its owner's token go to the ledger (`VIDEOSHARE_LOAD_LEDGER`, one JSON
line each), so that run.py checks afterwards that none was lost.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from locust import HttpUser, between, events, task
from tests.media import make_clip

CLIP_S = float(os.environ.get("LOAD_CLIP_S", "3"))
LEDGER = os.environ.get("VIDEOSHARE_LOAD_LEDGER")
TERMINAL = {"ready", "rejected", "failed"}
SEGMENTS_PER_WATCH = 2


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
        self.pending: dict[str, float] = {}  # video id → when its upload ended
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
            self.pending[video_id] = time.monotonic()
            if LEDGER:
                with Path(LEDGER).open("a", encoding="utf-8") as ledger:
                    ledger.write(json.dumps({"id": video_id, "token": self.token}) + "\n")

    @task(3)
    def poll_my_uploads(self) -> None:
        for video_id, uploaded in list(self.pending.items()):
            video = self._get(f"/v1/videos/{video_id}", "GET /v1/videos/{id}")
            if video is None or video["status"] not in TERMINAL:
                continue
            del self.pending[video_id]
            events.request.fire(  # type: ignore[no-untyped-call]
                request_type="PIPELINE",
                name=f"upload → {video['status']}",
                response_time=(time.monotonic() - uploaded) * 1000,
                response_length=0,
                exception=None if video["status"] == "ready" else RuntimeError(video["status"]),
                context={},
            )
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
