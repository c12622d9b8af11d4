"""The client's arguments (`register`, `confirm`, `login`, `logout`, `upload`, `import`, `videos
list|download`, `captions add|list|remove`, `poster`), apart from the commands, as the operator's
are (`ops/arguments.py`): every process builds the `videoshare` parser at start, and the
commands import the whole client (aiohttp sessions, rich's progress bars) that a worker or the
ingress never runs. `commands.py` runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
