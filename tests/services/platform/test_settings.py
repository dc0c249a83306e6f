"""Settings refuse unsafe or contradictory values at start-up, with the variable named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.platform.settings import LOCAL_KEYS, ConfigurationError, Settings


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
    with pytest.raises(ConfigurationError, match=f"FILOT_{key.upper()} must be set in stage production"):
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


def test_lists_are_accepted_comma_separated_or_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILOT_CORS_ORIGINS", "https://app.example")  # one origin, as people write it
    assert Settings(_env_file=None).cors_origins == ["https://app.example"]  # type: ignore[call-arg]
    monkeypatch.setenv("FILOT_CORS_ORIGINS", " https://a.example , https://b.example ")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]  # type: ignore[call-arg]
    monkeypatch.setenv("FILOT_CORS_ORIGINS", '["https://c.example"]')
    assert Settings(_env_file=None).cors_origins == ["https://c.example"]  # type: ignore[call-arg]


def test_a_bad_setting_stops_a_process_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FILOT_")},
        "FILOT_APPROVE_AT": "high",
        "FILOT_CLOUDFLARE_RANGES": "173.245.48.0/20,everywhere",
        "FILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services", "reconcile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("filot: configuration error: FILOT_APPROVE_AT: ")
    assert "FILOT_CLOUDFLARE_RANGES: 'everywhere' is not an address range" in lines[0]


def test_a_json_setting_that_is_not_json_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.platform.settings import get_settings

    monkeypatch.setenv("FILOT_SCORE_WEIGHTS", "{image_quality: 10")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="FILOT_SCORE_WEIGHTS: not valid JSON"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_opencv_gets_the_same_pixel_cap_as_the_upload_check() -> None:
    import services
    from services.platform.settings import DEFAULT_MAX_IMAGE_PIXELS

    assert f"str({DEFAULT_MAX_IMAGE_PIXELS:_})" in Path(services.__file__).read_text(encoding="utf-8")
    assert Settings(_env_file=None).max_image_pixels == DEFAULT_MAX_IMAGE_PIXELS  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "variable", ["FILOT_DATABASE_URL", "FILOT_REDIS_URL", "FILOT_S3_ENDPOINT_URL", "FILOT_BULI2_URL"]
)
def test_an_empty_setting_is_a_secret_field_nobody_filled_and_is_named(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stacks create each operator-filled secret as {"url": ""}: a task started before it is filled gets "".
    monkeypatch.setenv(variable, "")
    with pytest.raises(ValidationError, match=f"{variable} is empty: fill its field in the stage's secret"):
        Settings(_env_file=None, stage="production", **KEYS)  # type: ignore[call-arg]
