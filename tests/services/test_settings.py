"""Settings refuse unsafe or contradictory values at start-up, with the variable named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.settings import LOCAL_KEYS, Settings


def test_defaults_run_locally_with_dev_auth() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.stage == "local" and settings.dev_auth_enabled
    assert (settings.approve_at, settings.reject_below, settings.lock_ttl_s) == (85, 35, 600)
    assert settings.redis_prefix == "filot"


# What a deployed stage gets from Secrets Manager: four different keys of a decent length.
KEYS = {
    "service_key": "s" * 24 + "-service",
    "callback_key": "c" * 24 + "-callback",
    "link_key": "l" * 24 + "-link",
    "buli2_api_key": "b" * 24 + "-buli2",
}


def test_dev_auth_is_off_by_default_outside_local() -> None:
    assert not Settings(_env_file=None, stage="production", **KEYS).dev_auth_enabled  # type: ignore[call-arg]


def test_dev_auth_cannot_be_forced_on_in_production() -> None:
    with pytest.raises(ValidationError, match="FILOT_DEV_AUTH"):
        Settings(_env_file=None, stage="production", dev_auth=True, **KEYS)  # type: ignore[call-arg]


@pytest.mark.parametrize("key", sorted(KEYS))
def test_a_deployed_stage_gets_no_default_key_and_refuses_a_local_one(key: str) -> None:
    keys = {name: value for name, value in KEYS.items() if name != key}
    settings = Settings(_env_file=None, stage="production", **keys)  # type: ignore[call-arg]
    assert getattr(settings, key) == ""  # not the local default
    with pytest.raises(ValueError, match=f"FILOT_{key.upper()} must be set in stage production"):
        settings.require_keys(*KEYS)
    with pytest.raises(ValidationError, match=f"FILOT_{key.upper()} is a local default: set it"):
        Settings(_env_file=None, stage="production", **{**keys, key: LOCAL_KEYS[key]})  # type: ignore[call-arg]


def test_a_deployed_stage_refuses_short_or_shared_keys() -> None:
    with pytest.raises(ValidationError, match="FILOT_LINK_KEY must be at least 24 characters"):
        Settings(_env_file=None, stage="staging", **{**KEYS, "link_key": "short"})  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="must all differ: one key, one purpose"):
        Settings(_env_file=None, stage="staging", **{**KEYS, "callback_key": KEYS["service_key"]})  # type: ignore[call-arg]


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="FILOT_REJECT_BELOW"):
        Settings(_env_file=None, approve_at=50, reject_below=60)  # type: ignore[call-arg]


def test_values_come_from_filot_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILOT_APPROVE_AT", "90")
    monkeypatch.setenv("FILOT_REDIS_PREFIX", "staging")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.approve_at == 90 and settings.redis_prefix == "staging"
    monkeypatch.setenv("FILOT_APPROVE_AT", "a lot")
    with pytest.raises(ValidationError, match="approve_at"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_score_weights_come_from_settings_and_unknown_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.wiring import thresholds

    monkeypatch.setenv("FILOT_SCORE_WEIGHTS", '{"image_quality": 10, "format_valid": 40}')
    weights = thresholds(Settings(_env_file=None)).weights  # type: ignore[call-arg]
    assert (weights.image_quality, weights.format_valid, weights.fields_present) == (10, 40, 30)
    monkeypatch.setenv("FILOT_SCORE_WEIGHTS", '{"charisma": 5}')
    with pytest.raises(ValidationError, match="charisma"):
        Settings(_env_file=None)  # type: ignore[call-arg]
