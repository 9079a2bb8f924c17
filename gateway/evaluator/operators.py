"""Typed rule operators: validate a condition's value once, return a closure that tests facts.

Every check reads one property from the facts and answers False when the property is absent or
holds a value of another type (custom properties are untyped), so a rule never raises at request
time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway.evaluator.durations import parse_duration
from gateway.evaluator.properties import NOW_KEY, Facts, PropertyType

Check = Callable[[Facts], bool]

MAX_LIST_VALUES = 1000
MAX_STRING_VALUE = 1000
MAX_PATTERN_LENGTH = 200
MAX_MATCHED_LENGTH = 2048  # regexes only see this much of a value: bounded work per request

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "exists",
    "matches",
    "before",
    "after",
    "within_last",
)

_T = PropertyType
_SCALARS = (_T.STRING, _T.NUMBER, _T.BOOLEAN)
ALLOWED_TYPES: dict[str, tuple[PropertyType, ...]] = {
    "eq": _SCALARS,
    "ne": _SCALARS,
    "in": (_T.STRING, _T.NUMBER, _T.STRING_LIST),
    "not_in": (_T.STRING, _T.NUMBER, _T.STRING_LIST),
    "gt": (_T.NUMBER,),
    "gte": (_T.NUMBER,),
    "lt": (_T.NUMBER,),
    "lte": (_T.NUMBER,),
    "between": (_T.NUMBER, _T.DATETIME),
    "contains": (_T.STRING, _T.STRING_LIST),
    "starts_with": (_T.STRING,),
    "ends_with": (_T.STRING,),
    "exists": tuple(_T),
    "matches": (_T.STRING,),
    "before": (_T.DATETIME,),
    "after": (_T.DATETIME,),
    "within_last": (_T.DATETIME,),
}

_RELATIVE_TIME = re.compile(r"^now(?:([+-])(\d{1,6}[smhdw]))?$")


class ValueProblem(ValueError):
    """The condition's value does not suit its operator or property (message says why)."""


class OperatorProblem(ValueProblem):
    """The operator does not apply to the property's type."""


@dataclass(frozen=True)
class TimeRef:
    """A time in a rule: absolute, or relative to the evaluation time (``now-30d``)."""

    absolute: datetime | None
    offset: timedelta = timedelta(0)

    def resolve(self, facts: Facts) -> datetime:
        """The moment this reference names for the request being evaluated."""
        if self.absolute is not None:
            return self.absolute
        now = facts[NOW_KEY]
        assert isinstance(now, datetime)
        return now + self.offset


def _is_number(value: object) -> bool:
    return type(value) in (int, float, Decimal)


def _is_string_list(value: object) -> bool:
    return isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value)


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _time_ref(value: object) -> TimeRef:
    if isinstance(value, str):
        match = _RELATIVE_TIME.match(value)
        if match:
            if match.group(2) is None:
                return TimeRef(None)
            offset = parse_duration(match.group(2))
            return TimeRef(None, -offset if match.group(1) == "-" else offset)
    moment = _as_datetime(value)
    if moment is None:
        raise ValueProblem(
            "expected an ISO-8601 time with an offset (2026-01-31T00:00:00Z), "
            "or now, now-30d, now+3d"
        )
    return TimeRef(moment)


def _kind_of_value(value: object) -> PropertyType:
    """For untyped (custom) properties: the type the rule's value implies."""
    if isinstance(value, bool):
        return _T.BOOLEAN
    if _is_number(value):
        return _T.NUMBER
    if isinstance(value, str):
        return _T.STRING
    if isinstance(value, list) and value:
        return _kind_of_value(value[0])
    raise ValueProblem("expected a string, a number, a boolean or a non-empty list of them")


def _scalar(value: object, kind: PropertyType) -> Any:
    if kind is _T.STRING or kind is _T.STRING_LIST:
        if not isinstance(value, str):
            raise ValueProblem(f"expected a string, got {value!r}")
        if len(value) > MAX_STRING_VALUE:
            raise ValueProblem(f"strings are limited to {MAX_STRING_VALUE} characters")
        return value
    if kind is _T.NUMBER:
        if not _is_number(value):
            raise ValueProblem(f"expected a number, got {value!r}")
        return value
    if kind is _T.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueProblem(f"expected true or false, got {value!r}")
        return value
    raise ValueProblem(f"{kind.value} properties take no plain value")


def _scalar_list(value: object, kind: PropertyType) -> frozenset[Any]:
    if not isinstance(value, list) or not value:
        raise ValueProblem("expected a non-empty list")
    if len(value) > MAX_LIST_VALUES:
        raise ValueProblem(f"lists are limited to {MAX_LIST_VALUES} values")
    return frozenset(_scalar(item, kind) for item in value)


def _type_guard(kind: PropertyType) -> Callable[[object], bool]:
    if kind is _T.STRING:
        return lambda x: isinstance(x, str)
    if kind is _T.NUMBER:
        return _is_number
    if kind is _T.BOOLEAN:
        return lambda x: isinstance(x, bool)
    if kind is _T.STRING_LIST:
        return _is_string_list
    return lambda x: x is not None


def compile_condition(prop: str, prop_type: PropertyType, op: str, value: object) -> Check:
    """A closure testing ``<prop> <op> <value>`` against facts; ValueProblem when ill-typed.

    >>> check = compile_condition("subscription.plan", PropertyType.STRING, "in", ["pro"])
    >>> check({"subscription.plan": "pro"})
    True
    """
    if op not in ALLOWED_TYPES:
        raise OperatorProblem(f"unknown operator {op!r}; expected one of {', '.join(OPERATORS)}")
    kind = prop_type
    if kind is _T.ANY and op not in ("exists", "before", "after", "within_last", "between"):
        kind = _kind_of_value(value)
    if kind is _T.ANY and op == "between":
        pair = value if isinstance(value, list) else []
        kind = _T.NUMBER if pair and _is_number(pair[0]) else _T.DATETIME
    if kind is not _T.ANY and kind not in ALLOWED_TYPES[op]:
        allowed = ", ".join(t.value for t in ALLOWED_TYPES[op])
        raise OperatorProblem(
            f"{op} does not apply to {prop} (a {kind.value}); it applies to: {allowed}"
        )
    factory = _FACTORIES[op]
    return factory(prop, kind, value)


def _eq(prop: str, kind: PropertyType, value: object) -> Check:
    expected = _scalar(value, kind)
    is_kind = _type_guard(kind)

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        return is_kind(x) and x == expected

    return check


def _ne(prop: str, kind: PropertyType, value: object) -> Check:
    expected = _scalar(value, kind)
    is_kind = _type_guard(kind)

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        return is_kind(x) and x != expected

    return check


def _in(prop: str, kind: PropertyType, value: object) -> Check:
    allowed = _scalar_list(value, kind)
    if kind is _T.STRING_LIST:

        def any_role(facts: Facts) -> bool:
            x = facts.get(prop)
            return _is_string_list(x) and not allowed.isdisjoint(x)  # type: ignore[arg-type]

        return any_role
    is_kind = _type_guard(kind)

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        return is_kind(x) and x in allowed

    return check


def _not_in(prop: str, kind: PropertyType, value: object) -> Check:
    allowed = _scalar_list(value, kind)
    if kind is _T.STRING_LIST:

        def no_role(facts: Facts) -> bool:
            x = facts.get(prop)
            return _is_string_list(x) and allowed.isdisjoint(x)  # type: ignore[arg-type]

        return no_role
    is_kind = _type_guard(kind)

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        return is_kind(x) and x not in allowed

    return check


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[str, PropertyType, object], Check]:
    def factory(prop: str, kind: PropertyType, value: object) -> Check:
        bound = _scalar(value, _T.NUMBER)

        def check(facts: Facts) -> bool:
            x = facts.get(prop)
            return _is_number(x) and compare(x, bound)

        return check

    return factory


def _between(prop: str, kind: PropertyType, value: object) -> Check:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueProblem("expected a list of two bounds [low, high] (both included)")
    if kind is _T.NUMBER:
        low, high = (_scalar(v, _T.NUMBER) for v in value)
        if low > high:
            raise ValueProblem("the low bound is above the high bound")

        def numbers(facts: Facts) -> bool:
            x = facts.get(prop)
            return _is_number(x) and low <= x <= high

        return numbers
    start, end = (_time_ref(v) for v in value)
    if start.absolute and end.absolute and start.absolute > end.absolute:
        raise ValueProblem("the first time is after the second")
    if start.absolute is None and end.absolute is None and start.offset > end.offset:
        raise ValueProblem("the first time is after the second")

    def times(facts: Facts) -> bool:
        x = _as_datetime(facts.get(prop))
        return x is not None and start.resolve(facts) <= x <= end.resolve(facts)

    return times


def _string_test(test: Callable[[str, str], bool]) -> Callable[[str, PropertyType, object], Check]:
    def factory(prop: str, kind: PropertyType, value: object) -> Check:
        needle = _scalar(value, _T.STRING)
        if kind is _T.STRING_LIST:

            def has_item(facts: Facts) -> bool:
                x = facts.get(prop)
                return _is_string_list(x) and needle in x  # type: ignore[operator]

            return has_item

        def check(facts: Facts) -> bool:
            x = facts.get(prop)
            return isinstance(x, str) and test(x, needle)

        return check

    return factory


def _exists(prop: str, kind: PropertyType, value: object) -> Check:
    if not isinstance(value, bool):
        raise ValueProblem("expected true (the property has a value) or false (it has none)")
    wanted = value

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        present = x is not None and x != () and x != []
        return present is wanted

    return check


def _matches(prop: str, kind: PropertyType, value: object) -> Check:
    if not isinstance(value, str) or not value:
        raise ValueProblem("expected a regular expression as a string")
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueProblem(f"regular expressions are limited to {MAX_PATTERN_LENGTH} characters")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise ValueProblem(f"invalid regular expression: {exc}") from None
    search = pattern.search

    def check(facts: Facts) -> bool:
        x = facts.get(prop)
        return isinstance(x, str) and search(x[:MAX_MATCHED_LENGTH]) is not None

    return check


def _time_compare(after: bool) -> Callable[[str, PropertyType, object], Check]:
    def factory(prop: str, kind: PropertyType, value: object) -> Check:
        ref = _time_ref(value)

        def check(facts: Facts) -> bool:
            x = _as_datetime(facts.get(prop))
            if x is None:
                return False
            bound = ref.resolve(facts)
            return x > bound if after else x < bound

        return check

    return factory


def _within_last(prop: str, kind: PropertyType, value: object) -> Check:
    try:
        window = parse_duration(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueProblem(str(exc)) from None

    def check(facts: Facts) -> bool:
        x = _as_datetime(facts.get(prop))
        now = facts[NOW_KEY]
        return x is not None and now - window <= x <= now  # type: ignore[operator]

    return check


_FACTORIES: dict[str, Callable[[str, PropertyType, object], Check]] = {
    "eq": _eq,
    "ne": _ne,
    "in": _in,
    "not_in": _not_in,
    "gt": _ordering(lambda x, b: x > b),
    "gte": _ordering(lambda x, b: x >= b),
    "lt": _ordering(lambda x, b: x < b),
    "lte": _ordering(lambda x, b: x <= b),
    "between": _between,
    "contains": _string_test(lambda x, n: n in x),
    "starts_with": _string_test(lambda x, n: x.startswith(n)),
    "ends_with": _string_test(lambda x, n: x.endswith(n)),
    "exists": _exists,
    "matches": _matches,
    "before": _time_compare(after=False),
    "after": _time_compare(after=True),
    "within_last": _within_last,
}
