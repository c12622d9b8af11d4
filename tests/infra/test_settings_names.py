"""The checks below lean on `setting_variables()`; it must know the real names and no others."""

from __future__ import annotations

from tests.infra.support import setting_variables, unknown_variables


def test_setting_variables_are_the_ones_settings_reads() -> None:
    names = setting_variables()
    assert {"VIDEOSHARE_MODE", "VIDEOSHARE_HEALTH_PORT", "AWS_REGION", "AWS_ENDPOINT_URL"} <= names
    assert unknown_variables({"VIDEOSHARE_API_PORT": 1, "VIDEOSHARE_NO_SUCH_THING": 1}) == [
        "VIDEOSHARE_NO_SUCH_THING"
    ]
