"""Reading a catalog file's objects field by field, collecting problems with their paths.

The vocabulary both domains' catalog sections share (``offers.catalog_spec``,
``promotions.catalog_spec``).

>>> problems = Problems()
>>> entry = Entry({"id": "x", "priority": "high"}, "plays[0]", problems)
>>> entry.integer("priority")
>>> str(problems)
'plays[0].priority: expected an integer, got "high"'
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.evaluator import parse_duration

MAX_PROBLEMS = 50

# An identifier in a catalog file (brands, offers, plays, promotions, programs).
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class CatalogError(ValueError):
    """The file is invalid; the message lists each problem as ``path: problem``."""


class Problems:
    """Problems found so far, each ``path: what is wrong``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, problem: str) -> None:
        """Record one problem."""
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(f"{path}: {problem}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def __str__(self) -> str:
        more = " (and possibly more)" if len(self.items) >= MAX_PROBLEMS else ""
        return "\n".join(self.items) + more


def _show(value: object) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Entry:
    """One object of the file: typed accessors that record a problem and return None when bad."""

    def __init__(self, data: object, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        if not isinstance(data, Mapping):
            problems.add(path, f"expected an object, got {_show(data)}")

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Record keys that are not in ``allowed`` (typos would otherwise be silently ignored)."""
        for key in self.data:
            if key not in allowed:
                self.problems.add(
                    f"{self.path}.{key}", f"unknown key; expected one of {', '.join(allowed)}"
                )

    def at(self, key: str) -> str:
        """The path of ``key``."""
        return f"{self.path}.{key}"

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.problems.add(self.at(key), "required")
        return value

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        max_length: int = 200,
        choices: Sequence[str] | None = None,
    ) -> str | None:
        """A string, optionally matching ``pattern`` or one of ``choices``."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.problems.add(self.at(key), f"expected a non-empty string, got {_show(value)}")
            return None
        if len(value) > max_length:
            self.problems.add(self.at(key), f"at most {max_length} characters")
            return None
        if choices is not None and value not in choices:
            self.problems.add(
                self.at(key), f"expected one of {', '.join(choices)}, got {_show(value)}"
            )
            return None
        if pattern is not None and not pattern.match(value):
            self.problems.add(self.at(key), f"{_show(value)} does not match {pattern.pattern}")
            return None
        return value

    def integer(
        self, key: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        """An integer within ``[low, high]``."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems.add(self.at(key), f"expected an integer, got {_show(value)}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.problems.add(self.at(key), f"expected {low} to {high}, got {value}")
            return None
        return value

    def percent(self, key: str, default: str) -> Decimal | None:
        """A percentage 0 to 100 with at most two decimals."""
        value = self.data.get(key, default)
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not (0 <= number <= 100) or number != round(number, 2):
            self.problems.add(self.at(key), f"expected a percentage 0 to 100, got {_show(value)}")
            return None
        return number

    def moment(self, key: str) -> datetime | None:
        """An ISO-8601 time with an offset (YAML timestamps are accepted as they are)."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = datetime.fromisoformat(value)
        if not isinstance(value, datetime) or value.tzinfo is None:
            if isinstance(value, date) and not isinstance(value, datetime):
                self.problems.add(self.at(key), "expected a time, not a date: 2026-01-01T00:00:00Z")
            else:
                self.problems.add(
                    self.at(key), f"expected an ISO-8601 time with an offset, got {_show(value)}"
                )
            return None
        return value

    def duration(self, key: str, *, default: timedelta | None = None) -> timedelta | None:
        """A duration such as 30m, 12h or 7d."""
        value = self.data.get(key)
        if value is None:
            return default
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.problems.add(self.at(key), str(exc))
            return default

    def entries(self, key: str, *, required: bool = False) -> list[Entry]:
        """The objects of list ``key``, each with its own path ``key[i]``."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.add(self.at(key), "expected a list")
            return []
        return [Entry(item, f"{self.at(key)}[{i}]", self.problems) for i, item in enumerate(value)]


def jsonable(value: object) -> object:
    """``value`` with YAML's datetimes turned into ISO strings, so it stores as JSON."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
