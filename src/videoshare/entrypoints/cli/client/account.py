"""`register`, `confirm` and `login`: an account and a session, from the terminal.

On a terminal, what the flags and the environment leave out is asked for, the e-mail first,
a password without echo. Off a terminal (a script) nothing is asked: what is missing is one
line that names the flags. Prompts go to stderr, so stdout stays clean.

`POST /v1/auth/register` answers whether the account is confirmed already (locally it always
is): then the new user is logged in at once; otherwise the pool sent a code, which
`videoshare confirm` takes.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable

from videoshare.entrypoints.cli.client.config import ClientConfig
from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence
from videoshare.entrypoints.cli.client.session import ApiSession


def on_terminal() -> bool:
    return sys.stdin.isatty()


def ask(prompt: str) -> str | None:
    """A line typed at the terminal; None off a terminal or when nothing was typed."""
    if not on_terminal():
        return None
    print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip() or None


def ask_secret(prompt: str) -> str | None:
    """A password typed at the terminal, not echoed; None off a terminal or when empty."""
    if not on_terminal():
        return None
    return getpass.getpass(prompt, stream=sys.stderr) or None


def with_login_details(config: ClientConfig) -> ClientConfig:
    """`config` with the e-mail, then the password, asked for where missing."""
    email = config.email or ask("e-mail: ")
    password = (config.password or ask_secret("password: ")) if email else config.password
    if not (email and password):
        raise ClientFailure(
            "login needs an e-mail and a password: --email and --password, or "
            "VIDEOSHARE_EMAIL and VIDEOSHARE_PASSWORD",
            exit_code=2,
        )
    return ClientConfig(config.api_url, email, password, config.config_dir)


async def register(
    session: ApiSession, display_name: str | None, say: Callable[[str], None]
) -> int:
    config = session.config
    email = config.email or ask("e-mail: ")
    name = display_name or (ask("display name: ") if email else None)
    password = config.password or (_new_password() if email else None)
    if not (email and password):
        raise ClientFailure(
            "register needs an e-mail and a password (a display name if you like): --email, "
            "--password and --display-name, or VIDEOSHARE_EMAIL and VIDEOSHARE_PASSWORD",
            exit_code=2,
        )
    body: dict[str, str] = {"email": email, "password": password}
    if name:
        body["display_name"] = name
    status, answer = await session.post_anonymous("/v1/auth/register", body)
    if status != 201 or not isinstance(answer, dict):
        raise ClientFailure(problem_sentence(status, answer, "registering"), exit_code=2)
    if not answer.get("confirmed"):
        say(
            f"registered {email}; the code to confirm it was sent there: "
            f"`videoshare confirm --email {email} CODE`"
        )
        return 0
    session.config = ClientConfig(config.api_url, email, password, config.config_dir)
    login = await session.login_with_password()
    say(f"registered and confirmed; logged in to {config.api_url} as {login.email}")
    return 0


async def confirm(session: ApiSession, code: str, say: Callable[[str], None]) -> int:
    email = session.config.email or ask("e-mail: ")
    if not email:
        raise ClientFailure(
            "confirm needs the e-mail you registered: --email or VIDEOSHARE_EMAIL", exit_code=2
        )
    status, answer = await session.post_anonymous(
        "/v1/auth/confirm", {"email": email, "code": code}
    )
    if status != 204:
        raise ClientFailure(problem_sentence(status, answer, "confirming"), exit_code=2)
    say(f"confirmed {email}; log in with `videoshare login`")
    return 0


def _new_password() -> str | None:
    password = ask_secret("password: ")
    if password is None:
        return None
    if ask_secret("the same password again: ") != password:
        raise ClientFailure("the two passwords differ; run `videoshare register` again", 2)
    return password
