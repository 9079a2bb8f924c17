"""The README documents every setting and the two commands."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import Settings, env_name

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [env_name(f) for f in Settings.model_fields if f"| `{env_name(f)}` |" not in README]

    assert missing == []


def test_the_two_commands_come_first() -> None:
    assert "uv run gateway serve" in README
    assert "uv run pytest" in README
