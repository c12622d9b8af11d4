"""HLS and storyboard through the ingress: playlists read from S3 and rewritten, authorised by
the playback token a Video carries (players send no Authorization header)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image
from yarl import URL

from tests.cloudfront import CloudFront, policy_of
from tests.integration.api_support import (
    Client,
    Stack,
    User,
    create_video,
    expect_problem,
    make_playable,
    make_ready,
    running_api,
    sign_up,
)
from tests.integration.worker_support import deliver, start_worker
from tests.media import ffmpeg_children, image_bytes, make_clip, png_bomb
from tests.support import eventually, rewrite
from videoshare.adapters.videos import VideoRepository
from videoshare.aws import client_kwargs, session_for
from videoshare.domain import keys
from videoshare.domain.events import VideoUploaded, VideoUploadedData
from videoshare.domain.playback_tokens import PlaybackTokens
from videoshare.domain.video import Video
from videoshare.entrypoints.workers import transcoder
from videoshare.infra.topology import TRANSCODER, VIDEOS_TABLE
from videoshare.media.transcode import ffmpeg_executable

pytestmark = pytest.mark.integration

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
360p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720
720p.m3u8
"""
MEDIA = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:4
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:4.0,
{name}_000.ts
#EXTINF:1.3,
{name}_001.ts
#EXT-X-ENDLIST
"""
VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
storyboard.jpg#xywh=0,0,160,90

00:00:04.000 --> 00:00:05.300
storyboard.jpg#xywh=160,0,160,90
"""


async def _put(stack: Stack, key: str, body: str | bytes) -> None:
    data = body.encode() if isinstance(body, str) else body
    await stack.aws.s3.put_object(Bucket=stack.resources.bucket, Key=key, Body=data)


async def _with_hls(
    api: Client, stack: Stack, owner: User, *, master: str = MASTER, **fields: Any
) -> str:
    """A ready video whose HLS stream and storyboard this test wrote itself (as the media
    branch's transcoder will)."""
    video_id: str = (await create_video(api, owner, **fields))["video"]["id"]
    video = await make_ready(stack.aws, stack.settings, video_id)
    prefix = keys.hls_prefix(video_id)
    await _put(stack, keys.hls_master_key(video_id), master)
    for name in ("360p", "720p"):
        await _put(stack, f"{prefix}{name}.m3u8", MEDIA.format(name=name))
        for n in range(2):
            await _put(stack, f"{prefix}{name}_{n:03}.ts", f"ts-{name}-{n}")
    await _put(stack, keys.storyboard_vtt_key(video_id), VTT)
    await _put(stack, keys.storyboard_image_key(video_id), b"sprite-jpeg")
    repo = VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))
    await rewrite(
        repo,
        video,
        hls_master_key=keys.hls_master_key(video_id),
        storyboard_vtt_key=keys.storyboard_vtt_key(video_id),
        storyboard_image_key=keys.storyboard_image_key(video_id),
    )
    return video_id


async def _fetch(url: str) -> tuple[int, str, str]:
    """GET `url` as a player would: no Authorization header, no cookies."""
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        return answer.status, answer.content_type, await answer.text()


async def test_a_private_video_plays_with_nothing_but_its_hls_url(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner)
    video = await (await api.get(f"/v1/videos/{video_id}", headers=owner.headers)).json()
    hls_url = URL(video["hls_url"])
    assert hls_url.path == f"/v1/videos/{video_id}/hls/master.m3u8"
    assert hls_url.query["token"]

    status, content_type, master = await _fetch(str(hls_url))
    assert (status, content_type) == (200, "application/vnd.apple.mpegurl")
    variants = [line for line in master.splitlines() if line and not line.startswith("#")]
    assert [URL(v).path for v in variants] == ["360p.m3u8", "720p.m3u8"]
    assert "BANDWIDTH=800000" in master

    status, _, media = await _fetch(str(hls_url.join(URL(variants[1]))))
    assert status == 200
    segments = [line for line in media.splitlines() if line and not line.startswith("#")]
    assert len(segments) == 2
    assert all(s.startswith(stack.settings.aws_endpoint_url or "") for s in segments)
    assert "#EXT-X-ENDLIST" in media
    status, _, segment = await _fetch(segments[1])
    assert (status, segment) == (200, "ts-720p-1")


async def test_the_storyboard_points_at_the_signed_sprite(api: Client, stack: Stack) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner, visibility="unlisted")
    video = await (await api.get(f"/v1/videos/{video_id}", headers=owner.headers)).json()
    status, content_type, vtt = await _fetch(video["storyboard_url"])
    assert (status, content_type) == (200, "text/vtt")
    cues = [line for line in vtt.splitlines() if "#xywh=" in line]
    assert [c.rsplit("#", 1)[1] for c in cues] == ["xywh=0,0,160,90", "xywh=160,0,160,90"]
    status, _, sprite = await _fetch(cues[0].split("#", 1)[0])
    assert (status, sprite) == (200, "sprite-jpeg")


async def test_a_public_video_plays_without_a_token_and_its_links_get_one(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner, visibility="public")
    answer = await api.get(f"/v1/videos/{video_id}/hls/master.m3u8")
    assert answer.status == 200
    lines = (await answer.text()).splitlines()
    variant = next(line for line in lines if line and not line.startswith("#"))
    token = URL(variant).query["token"]  # minted for the player, which sends no header
    follow = await api.get(f"/v1/videos/{video_id}/hls/360p.m3u8", params={"token": token})
    assert follow.status == 200


async def _video(stack: Stack, video_id: str) -> Video:
    video = await VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE)).get(
        video_id
    )
    assert video is not None
    return video


async def test_who_may_play(api: Client, stack: Stack) -> None:
    owner, other = await sign_up(api), await sign_up(api)
    video_id = await _with_hls(api, stack, owner)
    other_id = await _with_hls(api, stack, owner)
    video, other_video = await _video(stack, video_id), await _video(stack, other_id)
    tokens = PlaybackTokens(stack.settings.playback_key(), stack.settings.playback_token_ttl_s)
    master = f"/v1/videos/{video_id}/hls/master.m3u8"
    storyboard = f"/v1/videos/{video_id}/storyboard.vtt"
    # without a token: the rules of GET /v1/videos/{id}
    await expect_problem(await api.get(master), 404, "not-found")
    await expect_problem(await api.get(master, headers=other.headers), 404, "not-found")
    assert (await api.get(master, headers=owner.headers)).status == 200
    # a token that is not valid is refused, whoever asks: malformed or expired the same way
    # for any id, and one that does not fit this private video as the video's own 404
    for token, status, kind in (
        ("nonsense", 403, "bad-playback-token"),
        (tokens.issue(video, now=0), 403, "bad-playback-token"),  # long expired
        (tokens.issue(other_video), 404, "not-found"),  # another video's
        (PlaybackTokens(b"guessed", 3600).issue(video), 404, "not-found"),
    ):
        for path in (master, storyboard):
            await expect_problem(
                await api.get(path, params={"token": token}, headers=owner.headers), status, kind
            )
    # a deleted video stops playing at once
    good = tokens.issue(video)
    assert (await api.get(master, params={"token": good})).status == 200
    assert (await api.delete(f"/v1/videos/{video_id}", headers=owner.headers)).status == 202
    await expect_problem(await api.get(master, params={"token": good}), 404, "not-found")


async def test_making_a_video_private_revokes_its_hls_url_at_once(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner, visibility="public")
    path = f"/v1/videos/{video_id}"
    old = await (await api.get(path)).json()
    assert (await _fetch(old["hls_url"]))[0] == 200
    assert (await _fetch(old["storyboard_url"]))[0] == 200

    made_private = await api.patch(path, json={"visibility": "private"}, headers=owner.headers)
    assert made_private.status == 200
    for url in (old["hls_url"], old["storyboard_url"]):
        status, _, body = await _fetch(url)
        assert status == 404, body  # as for any private video of someone else

    assert (await api.patch(path, json={"visibility": "public"}, headers=owner.headers)).ok
    status, _, body = await _fetch(old["hls_url"])
    assert status == 403, body  # the old link stays revoked; a fresh one plays
    assert "bad-playback-token" in body
    fresh = await (await api.get(path)).json()
    assert (await _fetch(fresh["hls_url"]))[0] == 200


async def test_videos_without_a_stream_or_not_ready(api: Client, stack: Stack) -> None:
    owner = await sign_up(api)
    waiting = (await create_video(api, owner))["video"]
    assert "hls_url" not in waiting
    assert "storyboard_url" not in waiting
    await expect_problem(
        await api.get(f"/v1/videos/{waiting['id']}/hls/master.m3u8", headers=owner.headers),
        409,
        "not-ready",
    )
    plain_id = (await create_video(api, owner))["video"]["id"]
    await make_ready(stack.aws, stack.settings, plain_id)  # MP4s only, no HLS
    plain = await (await api.get(f"/v1/videos/{plain_id}", headers=owner.headers)).json()
    assert "hls_url" not in plain
    for path in ("hls/master.m3u8", "storyboard.vtt"):
        await expect_problem(
            await api.get(f"/v1/videos/{plain_id}/{path}", headers=owner.headers), 404
        )
    streamed = await _with_hls(api, stack, owner)
    for path in (
        "hls/1080p.m3u8",  # no such playlist
        "hls/..%2Fsecret.m3u8",
        "hls/master.m3u8.bak",
        "hls/a b.m3u8",
    ):
        await expect_problem(
            await api.get(f"/v1/videos/{streamed}/{path}", headers=owner.headers), 404
        )


@pytest.mark.parametrize(
    "bad_uri", ["../../other/x.ts", "https://evil.example/x.ts", "/etc/passwd", "a b.ts"]
)
async def test_a_damaged_stored_playlist_is_a_502_not_a_leak(
    api: Client, stack: Stack, bad_uri: str
) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(
        api, stack, owner, master=f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n{bad_uri}\n"
    )
    await expect_problem(
        await api.get(f"/v1/videos/{video_id}/hls/master.m3u8", headers=owner.headers),
        502,
        "damaged-media",
    )


async def _run(*argv: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_ffmpeg_as_a_player_plays_a_private_video_from_its_hls_url(
    api: Client, stack: Stack, tmp_path: Path
) -> None:
    """A real CMAF HLS stream (written by ffmpeg, as the transcoder does) played by ffmpeg's own
    HLS demuxer from `hls_url` alone: master → variant (token carried) → presigned init
    segment (`EXT-X-MAP`) and segments."""
    owner = await sign_up(api)
    video_id: str = (await create_video(api, owner))["video"]["id"]
    video = await make_ready(stack.aws, stack.settings, video_id)
    await make_playable(stack.aws, stack.settings, video, tmp_path)
    hls_url = (await (await api.get(f"/v1/videos/{video_id}", headers=owner.headers)).json())[
        "hls_url"
    ]

    code, log = await _run(
        ffmpeg_executable(),
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-i", hls_url),
        *("-map", "0:v", "-f", "framecrc", "-"),
    )
    assert code == 0, log
    frames = [line for line in log.splitlines() if line and not line.startswith("#")]
    assert len(frames) >= 70  # 3 s at 25 fps, give or take the segment edges


async def test_with_a_cdn_every_media_url_is_cloudfront_signed_for_the_video(
    api: Client, stack: Stack
) -> None:
    """The ingress in CDN mode, its signing key in a Secrets Manager secret (in the emulator),
    read at start: renditions, poster, segments, the sprite and downloads of a ready video are
    CloudFront URLs that the public key admits, for this video's folder only."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings = stack.settings
    kwargs = client_kwargs(settings, "secretsmanager")
    async with session_for(settings).client("secretsmanager", **kwargs) as secrets:
        secret = await secrets.create_secret(Name=f"{settings.stack}-cdn-key", SecretString=pem)
    cdn = settings.model_copy(
        update={
            "cdn_domain": "d111111abcdef8.cloudfront.net",
            "cdn_key_pair_id": "K2JCJMDEHXQW5F",
            "cdn_private_key_secret_arn": secret["ARN"],
        }
    )
    cloudfront = CloudFront(private_key.public_key(), "K2JCJMDEHXQW5F")
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner, visibility="public")
    folder = f"https://d111111abcdef8.cloudfront.net/media/{video_id}/"
    now = time.time()

    async with running_api(cdn) as on_cdn:
        video = await (await on_cdn.get(f"/v1/videos/{video_id}")).json()
        shown = [video["poster_url"]]
        # a rendition's file is streamed by the ingress from its CMAF parts (one copy of each
        # rendition): its links lead there, with the playback token, not to the CDN
        files = [r["url"] for r in video["renditions"]]
        master = await on_cdn.get(str(URL(video["hls_url"]).relative()))
        variant = next(v for v in (await master.text()).splitlines() if ".m3u8?token=" in v)
        hls = URL(video["hls_url"]).join(URL(variant))
        media = await (await on_cdn.get(str(hls.relative()))).text()
        vtt = await (await on_cdn.get(str(URL(video["storyboard_url"]).relative()))).text()
        download = await on_cdn.get(f"/v1/videos/{video_id}/download", allow_redirects=False)

    segments = [line for line in media.splitlines() if line and not line.startswith("#")]
    sprites = {line.split("#", 1)[0] for line in vtt.splitlines() if "#xywh=" in line}
    assert len(shown) == 1
    assert len(segments) == 2
    assert len(sprites) == 1
    assert download.status == 302
    for url in [*shown, *segments, *sprites]:
        assert url.startswith(folder), url
        assert cloudfront.admits(url, now=now), url
        (statement,) = policy_of(url)["Statement"]
        assert statement["Resource"] == f"{folder}*"
    for url in [*files, download.headers["Location"]]:
        assert URL(url).path.startswith(f"/v1/videos/{video_id}/renditions/"), url
        assert URL(url).query["token"]


SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:04,000\nWorld\n"


async def test_captions_are_added_checked_played_in_hls_and_removed(
    api: Client, stack: Stack
) -> None:
    owner, other = await sign_up(api), await sign_up(api)
    video_id = await _with_hls(api, stack, owner)
    captions = f"/v1/videos/{video_id}/captions"
    put = await api.put(
        f"{captions}/en-us", data=SRT.encode(), params={"label": "English"}, headers=owner.headers
    )
    assert put.status == 200
    caption = await put.json()
    assert (caption["language"], caption["label"]) == ("en-US", "English")
    status, content_type, vtt = await _fetch(caption["url"])  # a <track>: no header
    assert (status, content_type) == (200, "text/vtt")
    assert vtt.startswith("WEBVTT")
    assert "00:00:00.500 --> 00:00:02.000" in vtt

    # bad input: each a clear 4xx, nothing stored
    for data, status, slug in (
        (b"1\n00:00:01,000 --> 00:00:xx,000\nbroken\n", 422, "bad-captions"),
        (b"\x89PNG\r\n\x1a\n\x00", 422, "bad-captions"),
        (b"WEBVTT\n\n" + b"x" * stack.settings.max_caption_bytes, 413, "file-too-large"),
    ):
        body = io.BytesIO(data)  # aiohttp warns about large bytes bodies
        answer = await api.put(f"{captions}/fr", data=body, headers=owner.headers)
        await expect_problem(answer, status, slug)
    listed = await (await api.get(captions, headers=owner.headers)).json()
    assert [c["language"] for c in listed["items"]] == ["en-US"]  # nothing of those stored
    await expect_problem(
        await api.put(f"{captions}/xx", data=SRT.encode(), headers=owner.headers),
        422,
        "unknown-language",
    )
    await expect_problem(
        await api.put(f"{captions}/en", data=SRT.encode(), headers=other.headers), 404
    )
    quoted = {"label": 'Eng"lish'}  # would break out of NAME="…" in the master
    await expect_problem(
        await api.put(f"{captions}/en", data=SRT.encode(), params=quoted, headers=owner.headers),
        422,
    )
    await expect_problem(await api.put(f"{captions}/en", data=SRT.encode()), 401)

    # the master lists it; its subtitle playlist plays the signed WebVTT without a header
    video = await (await api.get(f"/v1/videos/{video_id}", headers=owner.headers)).json()
    assert [c["language"] for c in video["captions"]] == ["en-US"]
    hls_url = URL(video["hls_url"])
    _, _, master = await _fetch(str(hls_url))
    [media] = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:")]
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en-US",NAME="English"' in media
    uri = media.split('URI="', 1)[1].split('"', 1)[0]
    status, _, playlist = await _fetch(str(hls_url.join(URL(uri))))
    assert status == 200
    [segment] = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert (await _fetch(segment))[2] == vtt

    listed = await (await api.get(captions, headers=owner.headers)).json()
    assert [c["language"] for c in listed["items"]] == ["en-US"]
    assert (await api.delete(f"{captions}/en-US", headers=owner.headers)).status == 204
    await expect_problem(await api.delete(f"{captions}/en-US", headers=owner.headers), 404)
    _, _, master = await _fetch(str(hls_url))
    assert "SUBTITLES" not in master


async def _image(url: str) -> Image.Image:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        assert answer.status == 200
        return Image.open(io.BytesIO(await answer.read()))


async def test_a_poster_is_chosen_from_the_storyboard_or_uploaded_and_re_encoded(
    api: Client, stack: Stack
) -> None:
    owner = await sign_up(api)
    video_id = await _with_hls(api, stack, owner)
    sprite = io.BytesIO()
    Image.new("RGB", (320, 90), (10, 200, 30)).save(sprite, "JPEG")
    await _put(stack, keys.storyboard_image_key(video_id), sprite.getvalue())
    poster = f"/v1/videos/{video_id}/poster"

    answer = await api.post(f"{poster}/moment", json={"time_s": 4.5}, headers=owner.headers)
    assert answer.status == 200
    tile = await _image((await answer.json())["poster_url"])
    assert (tile.format, tile.size) == ("JPEG", (160, 90))  # the second cue's thumbnail

    answer = await api.put(
        poster, data=image_bytes(800, 450), headers={**owner.headers, "Content-Type": "image/png"}
    )
    assert answer.status == 200
    stored = await _image((await answer.json())["poster_url"])
    assert (stored.format, stored.size) == ("JPEG", (800, 450))

    for data, status, slug in (
        (png_bomb(), 422, "bad-image"),
        (image_bytes()[:500], 422, "bad-image"),
        (b"%PDF-1.7 not an image", 415, "not-an-image"),
        (b"\x00" * (stack.settings.max_poster_bytes + 1), 413, "file-too-large"),
    ):
        answer = await api.put(poster, data=io.BytesIO(data), headers=owner.headers)
        await expect_problem(answer, status, slug)
    await expect_problem(
        await api.post(f"{poster}/moment", json={"time_s": 99}, headers=owner.headers), 422
    )


async def test_a_processing_video_plays_as_soon_as_its_first_segments_are_stored(
    api: Client, stack: Stack, tmp_path: Path
) -> None:
    """The real transcoder on a clip long enough to be caught half-way: the Video turns
    `playable` with an `hls_url` while it is still processing, and through that URL alone the
    master, a variant (an EVENT playlist without its end yet) and its first segment play.
    No metadata-indexer runs here, so the video stays `processing`; ffmpeg is paused from its
    second segment until the test has fetched, and the variant's missing #EXT-X-ENDLIST shows
    it was fetched before the transcode ended."""
    owner = await sign_up(api)
    video_id: str = (await create_video(api, owner))["video"]["id"]
    clip = make_clip(tmp_path / "long.mp4", seconds=20, width=320, height=240).read_bytes()
    repo = VideoRepository(stack.aws.dynamodb, stack.settings.table(VIDEOS_TABLE))
    video = await repo.get(video_id)
    assert video is not None
    await _put(stack, video.source_key, clip)
    video = await rewrite(repo, video, declared_size_bytes=len(clip))
    video = await repo.save(video.uploaded(), expected=video)
    worker = start_worker(
        TRANSCODER, transcoder.definition, stack.settings, stack.aws, stack.resources
    )
    await deliver(
        worker,
        VideoUploaded(
            correlation_id="req-playable",
            producer="upload-finalizer",
            data=VideoUploadedData(
                video_id=video_id,
                owner_id=video.owner_id,
                source_key=video.source_key,
                size_bytes=len(clip),
                content_type=video.content_type,
            ),
        ),
    )
    transcoding = asyncio.create_task(worker.drain())
    paused: list[int] = []
    try:
        # Once ffmpeg has begun its second segment (the first is final), it is paused: the
        # transcode cannot end while this test plays, however fast or slow the machine, and
        # the uploader (Python, not paused) still stores what is finished. Continued below.
        second = f"transcode-{video_id}-*/out/hls/240p_001.m4s"
        await eventually(
            lambda: any(Path(tempfile.gettempdir()).glob(second)),
            timeout_s=60,
            interval_s=0.01,
            what="ffmpeg's second segment begun",
        )
        paused = ffmpeg_children()
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)

        async def recorded_playable() -> bool:
            current = await repo.get(video_id)
            return current is not None and current.playable

        await eventually(recorded_playable, timeout_s=60, what="the video playable")
        answer = await api.get(f"/v1/videos/{video_id}", headers=owner.headers)
        seen = await answer.json()
        assert (seen["status"], seen["playable"]) == ("processing", True)
        hls_url = URL(seen["hls_url"])
        status, _, master = await _fetch(str(hls_url))
        assert status == 200
        [variant] = [line for line in master.splitlines() if line and not line.startswith("#")]
        status, _, media = await _fetch(str(hls_url.join(URL(variant))))
        assert status == 200
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in media
        assert "#EXT-X-ENDLIST" not in media  # fetched while the transcode still ran
        init = media.split('#EXT-X-MAP:URI="', 1)[1].split('"', 1)[0]
        first = next(line for line in media.splitlines() if line and not line.startswith("#"))
        async with aiohttp.ClientSession() as http:
            for url in (init, first):  # presigned: a player needs nothing else
                async with http.get(url) as answer:
                    assert answer.status == 200
                    assert len(await answer.read()) > 0
    finally:
        for pid in paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        await transcoding
    status, _, done = await _fetch(str(hls_url.join(URL(variant))))
    assert status == 200
    assert "#EXT-X-ENDLIST" in done  # ended once the transcode did
    assert done.count("#EXTINF") > media.count("#EXTINF")
