"""The client's subcommands: `register`, `confirm`, `login`, `logout`, `upload`, `import`,
`videos list`, `videos download`, `captions add | list | remove`, `poster`.

`add_client_commands` registers them on the `videoshare` parser; `run_client_command` runs one
and is the one place where a `ClientFailure` becomes a line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path, PurePosixPath
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

CLIENT_COMMANDS = frozenset(
    {"register", "confirm", "resend-code", "login", "logout", "password", "account", "upload",
     "import", "videos", "captions", "poster"}
)  # fmt: skip
VISIBILITIES = ("private", "unlisted", "public")


def add_client_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Each command takes only the options that apply to it.
    api = argparse.ArgumentParser(add_help=False)
    api.add_argument("--api-url", help="the API (default $VIDEOSHARE_API_URL or local)")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--email", help="the account's e-mail (default $VIDEOSHARE_EMAIL)")
    who.add_argument("--password", help="its password (default $VIDEOSHARE_PASSWORD)")
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", action="store_true", help="no progress bar")

    register = sub.add_parser(
        "register", parents=[api, who], help="create an account (asks what is missing)"
    )
    register.add_argument("--display-name", help="the name others see")
    confirm = sub.add_parser(
        "confirm", parents=[api], help="confirm a new account with the code it was sent"
    )
    confirm.add_argument("--email", help="the e-mail registered (default $VIDEOSHARE_EMAIL)")
    confirm.add_argument("code", help="the code from the e-mail")
    resend = sub.add_parser("resend-code", parents=[api], help="send the confirmation code again")
    resend.add_argument("--email", help="the e-mail registered (default $VIDEOSHARE_EMAIL)")
    sub.add_parser("login", parents=[api, who], help="log in and remember the session")
    sub.add_parser("logout", parents=[api], help="end the remembered session")

    new = argparse.ArgumentParser(add_help=False)
    new.add_argument("--new-password", help="the new password (asked for on a terminal)")
    password = sub.add_parser("password", help="a forgotten password, or a new one")
    password_sub = password.add_subparsers(dest="step", required=True, metavar="ACTION")
    forgot = password_sub.add_parser("forgot", parents=[api], help="e-mail a reset code")
    forgot.add_argument("--email", help="the account's e-mail (default $VIDEOSHARE_EMAIL)")
    reset = password_sub.add_parser(
        "reset", parents=[api, new], help="a new password, with the code"
    )
    reset.add_argument("--email", help="the account's e-mail (default $VIDEOSHARE_EMAIL)")
    reset.add_argument("code", help="the code from the e-mail")
    password_sub.add_parser(
        "change", parents=[api, who, new], help="change the password (--password: the current)"
    )
    account = sub.add_parser("account", help="the account itself")
    account_sub = account.add_subparsers(dest="account_command", required=True, metavar="ACTION")
    delete = account_sub.add_parser(
        "delete", parents=[api, who], help="delete the account and every video of it"
    )
    delete.add_argument("--yes", action="store_true", help="do not ask (scripts)")

    upload = sub.add_parser("upload", parents=[api, who, quiet], help="upload a video file")
    upload.add_argument("file", type=Path)
    upload.add_argument("--title", help="default: the file name without its extension")
    upload.add_argument("--description", default="")
    upload.add_argument("--tags", default="", help="comma-separated, e.g. 'cats,holiday'")
    upload.add_argument("--visibility", choices=VISIBILITIES, default="private")
    upload.add_argument("--parallel", type=_parallel, default=4, help="parts at once (1-16)")
    upload.add_argument("--wait", action="store_true", help="follow it until ready or rejected")
    upload.add_argument("--timeout", type=float, default=1800, help="seconds --wait waits")

    imported = sub.add_parser(
        "import", parents=[api, who], help="import a video from a link (the service fetches it)"
    )
    imported.add_argument("url", help="an http(s) link to the video file")
    imported.add_argument("--title", help="default: the link's file name without its extension")
    imported.add_argument("--description", default="")
    imported.add_argument("--tags", default="", help="comma-separated, e.g. 'cats,holiday'")
    imported.add_argument("--visibility", choices=VISIBILITIES, default="private")
    imported.add_argument("--wait", action="store_true", help="follow it until ready or rejected")
    imported.add_argument("--timeout", type=float, default=1800, help="seconds --wait waits")

    videos = sub.add_parser("videos", help="list or download videos")
    videos_sub = videos.add_subparsers(dest="videos_command", required=True, metavar="ACTION")
    listing = videos_sub.add_parser("list", parents=[api, who], help="list videos")
    listing.add_argument("--scope", choices=("mine", "public"), default="mine")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="print the videos as JSON")
    download = videos_sub.add_parser("download", parents=[api, who, quiet], help="download a video")
    download.add_argument("id")
    download.add_argument("--rendition", help="a rendition name, or 'source' (default: best)")
    download.add_argument("-o", "--output", type=Path, help="file or folder to write")
    download.add_argument("--force", action="store_true", help="overwrite an existing file")

    captions = sub.add_parser("captions", help="a ready video's captions (WebVTT or SRT)")
    captions_sub = captions.add_subparsers(dest="captions_command", required=True, metavar="ACTION")
    add = captions_sub.add_parser("add", parents=[api, who], help="add (or replace) a language")
    add.add_argument("id")
    add.add_argument("language", help="a BCP 47 tag, e.g. en, fr, pt-BR")
    add.add_argument("file", type=Path, help="a WebVTT (.vtt) or SRT (.srt) file")
    add.add_argument("--label", help="the name players show (default: the language)")
    listed = captions_sub.add_parser("list", parents=[api, who], help="list a video's captions")
    listed.add_argument("id")
    remove = captions_sub.add_parser("remove", parents=[api, who], help="remove a language")
    remove.add_argument("id")
    remove.add_argument("language")

    poster = sub.add_parser("poster", parents=[api, who], help="choose a ready video's poster")
    poster.add_argument("id")
    source = poster.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", type=Path, help="a JPEG, PNG or WebP file")
    source.add_argument("--at", type=float, metavar="SECONDS", help="the storyboard's moment")


def _parallel(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("must be between 1 and 16")
    return value


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
