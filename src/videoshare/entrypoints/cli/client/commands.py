"""The client's subcommands: `register`, `confirm`, `login`, `logout`, `upload`, `import`,
`videos list`, `videos download`, `captions add | list | remove`, `poster`.

`arguments.add_client_commands` registers them on the `videoshare` parser; `run_client_command`
runs one and is the one place where a `ClientFailure` becomes a line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from videoshare.entrypoints.cli.client import account as accounts
from videoshare.entrypoints.cli.client import account_lifecycle as lifecycle
from videoshare.entrypoints.cli.client import captions as media_edits
from videoshare.entrypoints.cli.client.config import client_config
from videoshare.entrypoints.cli.client.errors import ClientFailure
from videoshare.entrypoints.cli.client.follow import follow_until_settled
from videoshare.entrypoints.cli.client.library import download_video, list_videos, print_table
from videoshare.entrypoints.cli.client.media_file import checked_media_file, title_for
from videoshare.entrypoints.cli.client.session import ApiSession
from videoshare.entrypoints.cli.client.upload import UploadRequest, upload_file


def run_client_command(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except ClientFailure as failure:
        print(f"videoshare: {failure}", file=sys.stderr)
        return failure.exit_code
    except KeyboardInterrupt:
        print(
            "videoshare: interrupted; an unfinished upload goes on where it stopped when you "
            "run the same command again",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if os.environ.get("VIDEOSHARE_DEBUG"):
            raise
        print(
            f"videoshare: unexpected error ({type(exc).__name__}: {exc}); run again with "
            "VIDEOSHARE_DEBUG=1 to see where, and report it",
            file=sys.stderr,
        )
        return 1


def _say(line: str) -> None:
    print(line, file=sys.stderr)


async def _run(args: argparse.Namespace) -> int:
    config = client_config(
        api_url=args.api_url,
        email=getattr(args, "email", None),
        password=getattr(args, "password", None),
    )
    if args.command == "login":
        config = accounts.with_login_details(config)
    async with aiohttp.ClientSession() as http:
        session = ApiSession(http, config)
        if args.command == "register":
            return await accounts.register(session, args.display_name, _say)
        if args.command == "confirm":
            return await accounts.confirm(session, args.code, _say)
        if args.command in {"resend-code", "password", "account"}:
            return await _account_command(session, args)
        if args.command == "login":
            login = await session.login_with_password()
            _say(f"logged in to {config.api_url} as {login.email}")
            return 0
        if args.command == "logout":
            return await _logout(session)
        if args.command == "upload":
            return await _upload(session, args)
        if args.command in ("captions", "poster"):
            return await _media_edit(session, args)
        if args.command == "import":
            return await _import(session, args)
        if args.videos_command == "list":
            listing = await list_videos(session, args.scope, max(1, args.limit))
            if args.json:
                print(json.dumps(listing.items, indent=2))
            else:
                print_table(listing.items)
            if listing.more:
                _say(
                    f"more videos exist than these {len(listing.items)}; "
                    f"see more with --limit {len(listing.items) + 50}"
                )
            return 0
        path = await download_video(
            session,
            args.id,
            args.rendition,
            args.output,
            overwrite=args.force,
            show_progress=not args.quiet,
        )
        print(path)
        return 0


async def _upload(session: ApiSession, args: argparse.Namespace) -> int:
    media = checked_media_file(args.file)
    request = UploadRequest(
        media=media,
        title=args.title if args.title is not None else title_for(media.path),
        description=args.description,
        tags=[tag.strip() for tag in args.tags.split(",") if tag.strip()],
        visibility=args.visibility,
        parallel=args.parallel,
        show_progress=not args.quiet,
    )
    video_id = await upload_file(session, request, _say)
    return await _announce(session, video_id, args)


async def _import(session: ApiSession, args: argparse.Namespace) -> int:
    name = PurePosixPath(urlsplit(args.url).path).stem
    body = await session.call(
        "POST",
        "/v1/videos",
        what="asking for the import",
        expect=(201,),
        json={
            "title": args.title if args.title is not None else (name or "Imported video"),
            "description": args.description,
            "tags": [tag.strip() for tag in args.tags.split(",") if tag.strip()],
            "visibility": args.visibility,
            "source_url": args.url,
        },
    )
    try:
        video_id = str(body["video"]["id"])
    except (KeyError, TypeError) as exc:
        raise ClientFailure("the API answered POST /v1/videos in an unknown shape") from exc
    return await _announce(session, video_id, args)


async def _announce(session: ApiSession, video_id: str, args: argparse.Namespace) -> int:
    """Say the new video's id; with `--wait`, follow it until it is ready (or say why not)."""
    print(f"video id: {video_id}", flush=True)
    if not args.wait:
        return 0
    video = await follow_until_settled(session, video_id, _say, args.timeout)
    if video["status"] != "ready":
        reason = video.get("status_reason") or "no reason given"
        happened = "failed" if video["status"] == "failed" else f"was {video['status']}"
        raise ClientFailure(f"video {video_id} {happened}: {reason}")
    _say(_ready_line(video))
    return 0


def _ready_line(video: dict[str, Any]) -> str:
    names = [str(r.get("name")) for r in video.get("renditions") or [] if isinstance(r, dict)]
    size = f"{video.get('width')}x{video.get('height')}" if video.get("height") else ""
    line = f"ready: {video.get('title')} {size} {video.get('duration_s', '')} s".rstrip()
    if names:
        line += f"; renditions {', '.join(names)}"
    if video.get("hls_url"):
        line += f"; stream {video['hls_url']}"
    return f"{line}; download with `videoshare videos download {video.get('id')}`"


async def _media_edit(session: ApiSession, args: argparse.Namespace) -> int:
    if args.command == "poster":
        video = await media_edits.set_poster(session, args.id, args.image, args.at)
        print(video.get("poster_url", ""))
        return 0
    if args.captions_command == "add":
        caption = await media_edits.add_captions(
            session, args.id, args.language, args.file, args.label
        )
        _say(f"captions added: {caption.get('label')} ({caption.get('language')})")
        return 0
    if args.captions_command == "remove":
        await media_edits.remove_captions(session, args.id, args.language)
        _say(f"captions removed: {args.language}")
        return 0
    for caption in await media_edits.list_captions(session, args.id):
        print(f"{caption.get('language')}\t{caption.get('label')}")
    return 0


async def _account_command(session: ApiSession, args: argparse.Namespace) -> int:
    if args.command == "resend-code":
        return await lifecycle.resend_code(session, _say)
    if args.command == "account":
        return await lifecycle.delete_account(session, args.yes, _say)
    if args.step == "forgot":
        return await lifecycle.forgot_password(session, _say)
    if args.step == "reset":
        return await lifecycle.reset_password(session, args.code, args.new_password, _say)
    return await lifecycle.change_password(session, args.new_password, _say)


async def _logout(session: ApiSession) -> int:
    cached = session.cache.get(session.config.api_url)
    if cached is None:
        _say("not logged in")
        return 0
    await session.call("POST", "/v1/auth/logout", what="logging out", expect=(204,))
    session.cache.forget(session.config.api_url)
    _say("logged out")
    return 0
