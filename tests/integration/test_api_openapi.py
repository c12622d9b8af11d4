"""The live ingress against its own OpenAPI document, fuzzed by schemathesis.

The ingress runs as a real `videoshare api` process on a fresh provisioned stack; schemathesis
loads the document from `/v1/openapi.json` and, for every operation, sends generated requests
(valid ones and deliberately invalid ones) with a real user's token. Each answer must not be a
5xx, must have a documented status, content type, headers and a body of the documented schema,
and invalid requests must be refused with a 4xx.

Not checked: that every schema-valid request is accepted. The schema cannot say everything the
API checks (Cognito's password rules, an e-mail address, a title that is not all blanks), so
such requests are answered with a documented 4xx problem, which the other checks still verify.

Left out: `POST /v1/auth/logout`, because it would end the session every other case uses (it
is covered by test_api_auth.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import AuthContext, Case, GenerationMode
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.api_support import PASSWORD, unique_email
from tests.stack import running_stack
from videoshare.entrypoints.http.contract import OPERATIONS, Auth
from videoshare.entrypoints.http.openapi import openapi_document
from videoshare.local.emulator import Emulator

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 15
SKIPPED = {("POST", "/v1/auth/logout")}


@pytest.fixture(scope="module")
async def live_ingress(emulator: Emulator) -> AsyncIterator[str]:
    async with running_stack(emulator.endpoint, "openapi", workers=()) as running:
        yield running.base_url


@pytest.fixture(scope="module")
async def bearer(live_ingress: str) -> str:
    email = unique_email()
    body = {"email": email, "password": PASSWORD}
    async with aiohttp.ClientSession(live_ingress) as http:
        async with http.post("/v1/auth/register", json=body) as registered:
            assert registered.status == 201, await registered.text()
        async with http.post("/v1/auth/login", json=body) as login:
            assert login.status == 200, await login.text()
            tokens: dict[str, Any] = await login.json()
    return str(tokens["access_token"])


@pytest.fixture(scope="module")
def live_schema(live_ingress: str, bearer: str) -> BaseSchema:
    schema = schemathesis.openapi.from_url(f"{live_ingress}/v1/openapi.json")
    # Oversized bodies are refused with 413, a 4xx like any other refusal.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]

    @schema.auth()
    class Bearer:
        """A real user's access token, where the document asks for one."""

        def get(self, case: Case[Any], ctx: AuthContext) -> str:
            return bearer

        def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
            case.headers["Authorization"] = f"Bearer {data}"

    return schema


NEEDS_TOKEN = {(op.method, op.path) for op in OPERATIONS if op.auth is Auth.REQUIRED}
FUZZED = [
    pytest.param(op.method, op.path, mode, id=f"{op.method} {op.path} {mode}")
    for op in OPERATIONS
    if (op.method, op.path) not in SKIPPED
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # nothing to get wrong in a call without parameters or body
    if mode is GenerationMode.POSITIVE or op.body or op.query
]


@pytest.mark.parametrize(("method", "path", "mode"), FUZZED)
def test_the_live_ingress_keeps_its_contract(
    live_schema: BaseSchema,
    live_ingress: str,
    bearer: str,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = live_schema[path][method]
    # (whether the case carried the user's real token, the status it got)
    answers: list[tuple[bool, int]] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Case[Any]) -> None:
        response = case.call_and_validate(
            base_url=live_ingress, excluded_checks=[positive_data_acceptance]
        )
        sent = response.request.headers.get("Authorization") == f"Bearer {bearer}"
        answers.append((sent, response.status_code))

    check()
    assert answers
    if (method, path) in NEEDS_TOKEN:
        # Negative cases may spoil the Authorization header on purpose (a 401 is right then);
        # a case that carried the real token must get past authentication.
        refused = [status for sent, status in answers if sent and status == 401]
        assert not refused, f"{len(refused)} cases with a valid token were refused as 401"
        if mode is GenerationMode.POSITIVE:
            assert any(sent for sent, _ in answers), "no case carried the token"


async def test_the_served_document_is_the_generated_one(live_ingress: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{live_ingress}/v1/openapi.json") as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/json"
        served = await response.json()
    assert served == openapi_document()
    assert served["openapi"].startswith("3.1")


def test_linked_calls_keep_the_contract(live_schema: BaseSchema, live_ingress: str) -> None:
    """Stateful: sequences of calls that follow the document's links (a created video, then
    read), every answer checked as above."""
    machine = live_schema.exclude(method="POST", path="/v1/auth/logout").as_state_machine()
    calls: list[tuple[str, str, int]] = []

    class LiveMachine(machine):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": live_ingress}

        def after_call(self, response: Any, case: Case[Any]) -> None:
            super().after_call(response, case)
            calls.append((case.operation.method.upper(), case.operation.path, response.status_code))

        def validate_response(
            self,
            response: Any,
            case: Case[Any],
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs
            )

    LiveMachine.run(
        settings=settings(
            max_examples=EXAMPLES_PER_OPERATION,
            stateful_step_count=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
    # Generated creations are mostly refused (415/422: random file names and types), so the
    # link to the created video is followed only now and then; the sequences still ran.
    assert any(method == "POST" and path == "/v1/videos" for method, path, _ in calls)
