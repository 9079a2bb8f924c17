"""Settings: invalid values fail early with an error naming the environment variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_development_with_an_embedded_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GATEWAY_ENV", raising=False)

    settings = load_settings()

    assert settings.database_url is None
    assert settings.is_production is False
    assert settings.data_dir == Path(".gateway")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_POOL_MAX_SIZE", "many"),
        ("GATEWAY_ENV", "staging"),
        ("GATEWAY_STATEMENT_TIMEOUT_MS", "0"),
    ],
)
def test_an_invalid_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=f"Setting '{variable}' is invalid"):
        load_settings()


def test_inconsistent_pool_bounds_name_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_POOL_MIN_SIZE", "20")
    monkeypatch.setenv("GATEWAY_POOL_MAX_SIZE", "5")

    with pytest.raises(SettingsError, match="GATEWAY_POOL_MIN_SIZE must not exceed"):
        load_settings()


def test_the_command_line_reports_a_bad_variable_and_exits_2() -> None:
    env = {**os.environ, "GATEWAY_POOL_MAX_SIZE": "many"}

    done = subprocess.run(
        [sys.executable, "-m", "gateway", "migrate"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "Setting 'GATEWAY_POOL_MAX_SIZE' is invalid" in done.stderr


def test_production_requires_a_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_SIGNING_KEY", raising=False)

    with pytest.raises(SettingsError, match="GATEWAY_SIGNING_KEY is required"):
        load_settings(env="production")
    assert load_settings(env="production", signing_key="k").is_production
    assert load_settings(env="production", signing_keys="2026-06:k").is_production


def test_requests_in_flight_are_bounded_in_production_only_unless_set() -> None:
    assert load_settings(env="production", signing_key="k").in_flight_bound == 64
    assert load_settings(env="development").in_flight_bound == 0
    assert load_settings(env="development", max_in_flight=8).in_flight_bound == 8
    assert load_settings(env="production", signing_key="k", max_in_flight=0).in_flight_bound == 0


def test_the_rate_limit_bucket_holds_a_second_unless_set() -> None:
    assert load_settings(rate_limit=2.5).rate_limit_bucket == 3
    assert load_settings(rate_limit=0.5).rate_limit_bucket == 1
    assert load_settings(rate_limit=100, rate_limit_burst=10).rate_limit_bucket == 10
