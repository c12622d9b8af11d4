"""People and their sessions, through the Cognito user pool (`aws.cognito`).

Cognito's errors become the identity errors of `domain.errors`, so nothing above this module
reads AWS error codes. Login answers unknown users and wrong passwords with the same
`BadCredentials`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from videoshare.domain.errors import (
    AlreadyConfirmed,
    BadConfirmationCode,
    BadCredentials,
    EmailTaken,
    IdentityThrottled,
    IdentityUnavailable,
    InvalidRegistration,
    NotConfirmed,
    SessionEnded,
    UnsupportedChallenge,
    WeakPassword,
    WrongPassword,
)
from videoshare.usecases.ports import Profile, Registration, Tokens

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient


_THROTTLED = {"TooManyRequestsException", "LimitExceededException"}
_BAD_CODE = {
    "CodeMismatchException",
    "ExpiredCodeException",
    "UserNotFoundException",
    "ResourceNotFoundException",  # the emulator's answer for an unknown user
}
# The local emulator (moto) hands out the password reset code in this header of its answer
# instead of e-mailing it; AWS never sends it.
EMULATOR_CODE_HEADER = "x-moto-forgot-password-confirmation-code"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


class CognitoIdentity:
    """The `IdentityProvider` port: registration, confirmation, login, refresh, logout,
    profile, passwords and the end of an account against one app client.

    `auto_confirm` (local mode): nobody reads e-mail, so a sign-up is confirmed at once and the
    password reset code is read from the emulator's answer."""

    def __init__(
        self,
        cognito: CognitoIdentityProviderClient,
        *,
        user_pool_id: str,
        client_id: str,
        auto_confirm: bool,
    ) -> None:
        self._cognito = cognito
        self._pool_id = user_pool_id
        self._client_id = client_id
        self._auto_confirm = auto_confirm
        self._password_rule: str | None = None

    async def register(self, email: str, password: str, display_name: str | None) -> Registration:
        attributes = [{"Name": "email", "Value": email}]
        if display_name:
            attributes.append({"Name": "name", "Value": display_name})
        try:
            answer = await self._cognito.sign_up(
                ClientId=self._client_id,
                Username=email,
                Password=password,
                UserAttributes=attributes,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            code = _code(exc)
            if code == "UsernameExistsException":
                raise EmailTaken(_message(exc)) from exc
            if code == "InvalidPasswordException":
                raise WeakPassword(_message(exc), await self.password_rule()) from exc
            if code == "InvalidParameterException":
                raise InvalidRegistration(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise
        confirmed = bool(answer.get("UserConfirmed"))
        if self._auto_confirm and not confirmed:
            # Local mode: nobody reads the confirmation e-mail, so confirm at once.
            await self._cognito.admin_confirm_sign_up(UserPoolId=self._pool_id, Username=email)
            confirmed = True
        return Registration(answer["UserSub"], email, confirmed)

    async def confirm(self, email: str, code: str) -> None:
        try:
            await self._cognito.confirm_sign_up(
                ClientId=self._client_id, Username=email, ConfirmationCode=code
            )
        except ClientError as exc:
            error = _code(exc)
            if error in {"CodeMismatchException", "ExpiredCodeException", "UserNotFoundException"}:
                # Unknown address and wrong code answer alike: no account discovery here.
                raise BadConfirmationCode(_message(exc)) from exc
            if error == "NotAuthorizedException":
                raise AlreadyConfirmed(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise

    async def resend_code(self, email: str) -> None:
        if self._auto_confirm:
            # Local mode confirmed every account at sign-up (and the emulator has no
            # ResendConfirmationCode): say so as AWS would.
            if await self._status(email) == "CONFIRMED":
                raise AlreadyConfirmed("User is already confirmed.")
            return
        try:
            await self._cognito.resend_confirmation_code(ClientId=self._client_id, Username=email)
        except ClientError as exc:
            error = _code(exc)
            if error == "UserNotFoundException":
                return  # no account discovery: an unknown address is answered alike
            if error == "InvalidParameterException" and "confirmed" in _message(exc).lower():
                raise AlreadyConfirmed(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise

    async def forgot_password(self, email: str) -> str | None:
        try:
            answer = await self._cognito.forgot_password(ClientId=self._client_id, Username=email)
        except ClientError as exc:
            if _code(exc) in {"UserNotFoundException", "InvalidParameterException"}:
                return None  # unknown, or no verified address to send to: nothing tells
            _raise_if_throttled(exc)
            raise
        if not self._auto_confirm:
            return None
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        code = headers.get(EMULATOR_CODE_HEADER)
        # for an unknown user the emulator sends its None as the header's text
        return code if code and code != "None" else None

    async def reset_password(self, email: str, code: str, password: str) -> None:
        try:
            await self._cognito.confirm_forgot_password(
                ClientId=self._client_id,
                Username=email,
                ConfirmationCode=code,
                Password=password,
            )
        except ClientError as exc:
            error = _code(exc)
            if error in _BAD_CODE:
                raise BadConfirmationCode(_message(exc)) from exc
            if error == "InvalidPasswordException":
                raise WeakPassword(_message(exc), await self.password_rule()) from exc
            _raise_if_throttled(exc)
            raise

    async def change_password(self, access_token: str, current: str, password: str) -> None:
        try:
            await self._cognito.change_password(
                AccessToken=access_token, PreviousPassword=current, ProposedPassword=password
            )
        except ClientError as exc:
            error = _code(exc)
            if error == "NotAuthorizedException":
                raise WrongPassword(_message(exc)) from exc
            if error == "InvalidPasswordException":
                raise WeakPassword(_message(exc), await self.password_rule()) from exc
            _raise_if_throttled(exc)
            raise

    async def disable_user(self, username: str) -> None:
        with _unless_user_gone():
            await self._cognito.admin_disable_user(UserPoolId=self._pool_id, Username=username)

    async def delete_user(self, username: str) -> None:
        with _unless_user_gone():
            await self._cognito.admin_delete_user(UserPoolId=self._pool_id, Username=username)

    async def _status(self, username: str) -> str | None:
        try:
            answer = await self._cognito.admin_get_user(UserPoolId=self._pool_id, Username=username)
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                return None
            raise
        return str(answer.get("UserStatus", ""))

    async def login(self, email: str, password: str) -> Tokens:
        try:
            answer = await self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            code = _code(exc)
            if code in {"NotAuthorizedException", "UserNotFoundException"}:
                raise BadCredentials() from exc
            if code == "UserNotConfirmedException":
                raise NotConfirmed(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise
        return _tokens(answer, refresh_token=None)

    async def refresh(self, refresh_token: str) -> Tokens:
        try:
            answer = await self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as exc:
            if _code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
                raise SessionEnded(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise
        return _tokens(answer, refresh_token=refresh_token)

    async def logout(self, access_token: str) -> None:
        """Sign the user out everywhere: every refresh token of theirs stops working."""
        try:
            await self._cognito.global_sign_out(AccessToken=access_token)
        except ClientError as exc:
            if _code(exc) == "NotAuthorizedException":
                raise SessionEnded(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise

    async def profile(self, access_token: str) -> Profile:
        try:
            answer = await self._cognito.get_user(AccessToken=access_token)
        except ClientError as exc:
            if _code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
                raise SessionEnded(_message(exc)) from exc
            _raise_if_throttled(exc)
            raise
        attributes = {a["Name"]: a.get("Value", "") for a in answer.get("UserAttributes", [])}
        return Profile(
            user_id=attributes.get("sub") or answer["Username"],
            email=attributes.get("email"),
            display_name=attributes.get("name"),
        )

    async def session_alive(self, access_token: str) -> bool:
        """Whether Cognito still accepts `access_token` (False after a logout)."""
        try:
            await self.profile(access_token)
        except SessionEnded:
            return False
        except IdentityThrottled as exc:
            raise IdentityUnavailable(exc.message) from exc
        return True

    async def password_rule(self) -> str | None:
        """The pool's password policy as a sentence (read once), or None when unreadable."""
        if self._password_rule is None:
            try:
                pool = await self._cognito.describe_user_pool(UserPoolId=self._pool_id)
            except ClientError:
                return None
            policy = pool["UserPool"].get("Policies", {}).get("PasswordPolicy", {})
            self._password_rule = describe_password_policy(dict(policy))
        return self._password_rule

    async def check(self) -> None:
        """Raise unless the user pool answers (for readiness)."""
        await self._cognito.describe_user_pool_client(
            UserPoolId=self._pool_id, ClientId=self._client_id
        )


def describe_password_policy(policy: dict[str, Any]) -> str:
    """'A password needs at least 8 characters, a lowercase letter and a number.'"""
    needs = [f"at least {int(policy.get('MinimumLength', 8))} characters"]
    for flag, what in (
        ("RequireLowercase", "a lowercase letter"),
        ("RequireUppercase", "an uppercase letter"),
        ("RequireNumbers", "a number"),
        ("RequireSymbols", "a symbol"),
    ):
        if policy.get(flag):
            needs.append(what)
    listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
    return f"A password needs {listed}."


def _tokens(answer: Any, refresh_token: str | None) -> Tokens:
    result = answer.get("AuthenticationResult")
    if not result:
        raise UnsupportedChallenge(str(answer.get("ChallengeName", "a challenge")))
    return Tokens(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        # Cognito only returns a refresh token on login (or when it rotates them).
        refresh_token=result.get("RefreshToken") or refresh_token or "",
        expires_in=int(result["ExpiresIn"]),
        token_type=str(result.get("TokenType", "Bearer")),
    )


@contextmanager
def _unless_user_gone() -> Iterator[None]:
    """An administrator's call on a user that is gone already: done."""
    try:
        yield
    except ClientError as exc:
        if _code(exc) != "UserNotFoundException":
            raise


def _raise_if_throttled(exc: ClientError) -> None:
    if _code(exc) in _THROTTLED:
        raise IdentityThrottled(_message(exc)) from exc
