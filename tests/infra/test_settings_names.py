"""The checks below lean on `setting_variables()`; it must know the real names and no others."""

from __future__ import annotations

import re
from pathlib import Path

from tests.infra.support import setting_variables, unknown_variables


def test_setting_variables_are_the_ones_settings_reads() -> None:
    names = setting_variables()
    assert {"VIDEOSHARE_MODE", "VIDEOSHARE_HEALTH_PORT", "AWS_REGION", "AWS_ENDPOINT_URL"} <= names
    assert unknown_variables({"VIDEOSHARE_API_PORT": 1, "VIDEOSHARE_NO_SUCH_THING": 1}) == [
        "VIDEOSHARE_NO_SUCH_THING"
    ]


def test_the_limits_named_in_deploy_md_are_real_settings() -> None:
    deploy = (Path(__file__).parents[2] / "docs" / "DEPLOY.md").read_text()
    named = set(re.findall(r"`(VIDEOSHARE_[A-Z0-9_]+)`", deploy))
    assert {
        "VIDEOSHARE_EVENTS_STREAMS_PER_USER",
        "VIDEOSHARE_EVENTS_POLL_MAX_INTERVAL_S",
        "VIDEOSHARE_LOGIN_DELAY_MAX_S",
    } <= named
    assert unknown_variables(dict.fromkeys(named)) == []
