"""The account after sign-up, from the terminal: `resend-code`, `password forgot | reset |
change`, and `account delete`.

What the flags and the environment leave out is asked for on a terminal (passwords without
echo, a new one twice), as `register` does (`account.py`); off a terminal it is one line that
names the flags. Deleting the account asks the person to type `delete` on a terminal, and
takes `--yes` in a script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from videoshare.entrypoints.cli.client.account import ask, ask_secret, on_terminal
from videoshare.entrypoints.cli.client.errors import ClientFailure, problem_sentence
from videoshare.entrypoints.cli.client.session import ApiSession

Say = Callable[[str], None]


def _email(session: ApiSession, command: str) -> str:
    email = session.config.email or ask("e-mail: ")
    if not email:
        raise ClientFailure(f"{command} needs the e-mail: --email or VIDEOSHARE_EMAIL", 2)
    return email


def _new_password(given: str | None, command: str) -> str:
    if given:
        return given
    password = ask_secret("new password: ")
    if password is not None and ask_secret("the same password again: ") != password:
        raise ClientFailure(f"the two passwords differ; run `videoshare {command}` again", 2)
    if password is None:
        raise ClientFailure(f"{command} needs the new password: --new-password", 2)
    return password


async def _anonymous(
    session: ApiSession, path: str, body: dict[str, str], ok: int, what: str
) -> Any:
    status, answer = await session.post_anonymous(path, body)
    if status != ok:
        raise ClientFailure(problem_sentence(status, answer, what), exit_code=2)
    return answer


async def resend_code(session: ApiSession, say: Say) -> int:
    email = _email(session, "resend-code")
    await _anonymous(session, "/v1/auth/resend-code", {"email": email}, 202, "sending the code")
    say(f"if {email} awaits confirmation, a new code is on its way there")
    return 0


async def forgot_password(session: ApiSession, say: Say) -> int:
    email = _email(session, "password forgot")
    answer = await _anonymous(
        session, "/v1/auth/password/forgot", {"email": email}, 202, "asking for a code"
    )
    code = answer.get("code") if isinstance(answer, dict) else None
    if code:  # local mode: nobody reads e-mail
        say(f"local mode: the code is {code}")
    else:
        say(f"if {email} has an account, a code is on its way there")
    say(f"then: `videoshare password reset --email {email} CODE`")
    return 0


async def reset_password(session: ApiSession, code: str, new_password: str | None, say: Say) -> int:
    email = _email(session, "password reset")
    password = _new_password(new_password, "password reset")
    body = {"email": email, "code": code, "password": password}
    await _anonymous(session, "/v1/auth/password/reset", body, 204, "setting the password")
    say(f"the password of {email} is changed; log in with `videoshare login`")
    return 0


async def change_password(session: ApiSession, new_password: str | None, say: Say) -> int:
    current = session.config.password or ask_secret("current password: ")
    if not current:
        raise ClientFailure(
            "password change needs the current password: --password or VIDEOSHARE_PASSWORD", 2
        )
    password = _new_password(new_password, "password change")
    await session.call(
        "POST",
        "/v1/me/password",
        what="changing the password",
        expect=(204,),
        json={"current_password": current, "password": password},
    )
    say("the password is changed")
    return 0


async def delete_account(session: ApiSession, yes: bool, say: Say) -> int:
    if not yes:
        if not on_terminal():
            raise ClientFailure("account delete cannot be undone: add --yes to go ahead", 2)
        if ask("every video of yours goes too; type `delete` to go ahead: ") != "delete":
            raise ClientFailure("nothing deleted", 1)
    password = session.config.password or ask_secret("password: ")
    if not password:
        raise ClientFailure(
            "account delete needs the password: --password or VIDEOSHARE_PASSWORD", 2
        )
    await session.call(
        "DELETE", "/v1/me", what="deleting the account", expect=(202,), json={"password": password}
    )
    session.cache.forget(session.config.api_url)
    say("the account is deleted; its videos and everything kept for it go within a minute")
    return 0
