"""Argument checks for the promotion fields: each failure is BAD_USER_INPUT naming the argument.

The patterns mirror the CHECK constraints of ``sql/001_core.sql`` and ``sql/010_promotions.sql``,
so a value that passes here can be stored, and a malformed id is an error rather than "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from gateway.errors import bad_input

_CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
_CATALOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_MAX_AMOUNT = Decimal("999999999999.99")  # numeric(14, 2)
_CENTS = Decimal("0.01")


def _matching(field: str, value: str, pattern: re.Pattern[str], max_length: int) -> str:
    if not value:
        raise bad_input(field, "must not be empty")
    if len(value) > max_length:
        raise bad_input(field, f"must be at most {max_length} characters")
    if not pattern.fullmatch(value):
        raise bad_input(
            field, "must start with a letter or digit and use only letters, digits and _.:-"
        )
    return value


def customer_id(field: str, value: str) -> str:
    """``value`` if it can be a customer id (1-128 characters, letters, digits, ``_.:@-``).

    >>> customer_id("customerId", "")
    Traceback (most recent call last):
    gateway.errors.GatewayError: customerId: must not be empty
    """
    return _matching(field, value, _CUSTOMER_ID, 128)


def catalog_id(field: str, value: str) -> str:
    """``value`` if it can be a promotion or loyalty program id (1-64 characters)."""
    return _matching(field, value, _CATALOG_ID, 64)


def text_id(field: str, value: str, *, max_length: int = 128) -> str:
    """``value`` if it is a caller's identifier: 1-``max_length`` printable characters, trimmed."""
    if not value:
        raise bad_input(field, "must not be empty")
    if len(value) > max_length:
        raise bad_input(field, f"must be at most {max_length} characters")
    if value != value.strip() or not value.isprintable():
        raise bad_input(field, "must be printable, without surrounding spaces")
    return value


def optional_text_id(field: str, value: str | None, *, max_length: int = 128) -> str | None:
    """``text_id`` for an optional argument (None stays None)."""
    return None if value is None else text_id(field, value, max_length=max_length)


def amount(field: str, value: Decimal) -> Decimal:
    """``value`` if it is a finite amount >= 0 with at most 2 decimals, normalised to 2 decimals.

    >>> amount("amount", Decimal("12.5"))
    Decimal('12.50')
    """
    if not value.is_finite() or value < 0:
        raise bad_input(field, "must be a finite amount of 0 or more")
    if value > _MAX_AMOUNT:
        raise bad_input(field, f"must be at most {_MAX_AMOUNT}")
    cents = value.quantize(_CENTS)
    if cents != value:
        raise bad_input(field, "must have at most 2 decimal places")
    return cents


def customer_ids(field: str, values: Sequence[str], max_count: int) -> list[str]:
    """1 to ``max_count`` customer ids, each checked (``field[i]``), duplicates dropped."""
    if not values:
        raise bad_input(field, "must not be empty")
    if len(values) > max_count:
        raise bad_input(field, f"must have at most {max_count} ids, got {len(values)}")
    checked = [customer_id(f"{field}[{i}]", value) for i, value in enumerate(values)]
    return list(dict.fromkeys(checked))


def aware(field: str, value: datetime) -> datetime:
    """``value`` if it carries a UTC offset (a bare local time is ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise bad_input(field, "must include a UTC offset, e.g. 2025-01-31T09:00:00Z")
    return value
