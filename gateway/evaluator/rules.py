"""Audience rules: a small JSON language, validated and compiled once into closures.

A rule is a condition ``{"property": ..., "operator": ..., "value": ...}`` or a group:
``{"all": [rules]}`` (every one holds; empty: always true), ``{"any": [rules]}`` (at least one
holds) or ``{"not": rule}``. ``compile_audience`` checks every node (errors name the node's path,
e.g. ``audience.all[2].value``) and returns an ``Audience`` whose ``check(facts)`` runs closures
only: nothing is re-interpreted per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.evaluator.operators import (
    OPERATORS,
    Check,
    OperatorProblem,
    ValueProblem,
    compile_condition,
)
from gateway.evaluator.properties import Facts, PropertyType, property_type

MAX_DEPTH = 8
MAX_CONDITIONS = 200
_GROUP_KEYS = ("all", "any", "not")
_CONDITION_KEYS = {"property", "operator", "value"}


class RuleError(ValueError):
    """An audience rule is invalid; ``path`` names the node, e.g. ``audience.all[1].operator``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, eq=False)  # compiled closures: identity is equality
class Condition:
    """A compiled leaf: one property tested with one operator."""

    path: str
    property: str
    property_type: PropertyType
    operator: str
    value: object
    check: Check

    def describe(self) -> str:
        """The condition as a reader would write it: ``subscription.plan in ['pro']``."""
        return f"{self.property} {self.operator} {self.value!r}"


@dataclass(frozen=True, eq=False)  # compiled closures: identity is equality
class Group:
    """A compiled ``all``, ``any`` or ``not`` node."""

    path: str
    kind: Literal["all", "any", "not"]
    children: tuple[Node, ...]
    check: Check

    def describe(self) -> str:
        """What failed, in words."""
        if self.kind == "any":
            return f"none of the {len(self.children)} alternatives matched"
        if self.kind == "not":
            return "the negated rule matched"
        return "a condition did not match"


Node = Condition | Group


def _always(facts: Facts) -> bool:
    return True


@dataclass(frozen=True, eq=False)  # compiled closures: identity is equality
class Audience:
    """A compiled audience: ``check(facts)`` says whether the subject is in it."""

    source: object
    root: Node | None  # None: everyone
    check: Check
    condition_count: int

    def first_failure(self, facts: Facts) -> Node | None:
        """The node that excludes these facts (deepest useful one), or None when they match.

        Slower than ``check``: for ``explain`` only.
        """
        node = self.root
        if node is None or node.check(facts):
            return None
        while isinstance(node, Group) and node.kind == "all":
            node = next(child for child in node.children if not child.check(facts))
        return node

    def top_level_conditions(self) -> tuple[Condition, ...]:
        """Conditions every match must satisfy (the root, or the root ``all``'s leaves)."""
        root = self.root
        if isinstance(root, Condition):
            return (root,)
        if isinstance(root, Group) and root.kind == "all":
            return tuple(c for c in root.children if isinstance(c, Condition))
        return ()


EVERYONE = Audience(source=None, root=None, check=_always, condition_count=0)


def compile_audience(source: object, path: str = "audience") -> Audience:
    """Validate and compile an audience rule; raise ``RuleError`` naming the bad node.

    ``None`` or ``{"all": []}`` means everyone.

    >>> audience = compile_audience({"all": [
    ...     {"property": "subscription.plan", "operator": "in", "value": ["basic", "plus"]},
    ...     {"property": "device.type", "operator": "eq", "value": "mobile"}]})
    >>> audience.check({"subscription.plan": "plus", "device.type": "mobile"})
    True
    """
    if source is None:
        return EVERYONE
    counter = [0]
    root = _compile(source, path, 0, counter)
    if isinstance(root, Group) and root.kind == "all" and not root.children:
        return Audience(source=source, root=None, check=_always, condition_count=0)
    return Audience(source=source, root=root, check=root.check, condition_count=counter[0])


def _compile(source: object, path: str, depth: int, counter: list[int]) -> Node:
    if depth > MAX_DEPTH:
        raise RuleError(path, f"rules nest at most {MAX_DEPTH} levels deep")
    if not isinstance(source, Mapping) or not source:
        raise RuleError(path, "expected an object: a condition or all / any / not")
    groups = [key for key in _GROUP_KEYS if key in source]
    if groups:
        if len(source) != 1:
            extra = sorted(set(source) - {groups[0]})
            raise RuleError(path, f"a group has exactly one key ({groups[0]}); unexpected {extra}")
        return _compile_group(groups[0], source[groups[0]], path, depth, counter)
    return _compile_condition(source, path, counter)


def _compile_group(kind: str, body: object, path: str, depth: int, counter: list[int]) -> Group:
    if kind == "not":
        child = _compile(body, f"{path}.not", depth + 1, counter)
        inner = child.check
        return Group(path, "not", (child,), lambda facts: not inner(facts))
    if not isinstance(body, Sequence) or isinstance(body, str):
        raise RuleError(f"{path}.{kind}", "expected a list of rules")
    if kind == "any" and not body:
        raise RuleError(f"{path}.any", "an empty any never matches; remove it or add rules")
    children = tuple(
        _compile(item, f"{path}.{kind}[{i}]", depth + 1, counter) for i, item in enumerate(body)
    )
    checks = tuple(child.check for child in children)
    if kind == "all":

        def all_of(facts: Facts) -> bool:
            # A plain loop: faster than all() over a generator on this hot path.
            for check in checks:  # noqa: SIM110
                if not check(facts):
                    return False
            return True

        return Group(path, "all", children, all_of)

    def any_of(facts: Facts) -> bool:
        for check in checks:  # noqa: SIM110
            if check(facts):
                return True
        return False

    return Group(path, "any", children, any_of)


def _compile_condition(source: Mapping[str, object], path: str, counter: list[int]) -> Condition:
    unknown = sorted(set(source) - _CONDITION_KEYS)
    if unknown:
        raise RuleError(
            path, f"unexpected keys {unknown}; a condition has property, operator, value"
        )
    prop = source.get("property")
    if not isinstance(prop, str):
        raise RuleError(f"{path}.property", "expected a property name such as subscription.plan")
    prop_type = property_type(prop)
    if prop_type is None:
        raise RuleError(f"{path}.property", f"unknown property {prop!r}")
    op = source.get("operator")
    if not isinstance(op, str) or op not in OPERATORS:
        raise RuleError(
            f"{path}.operator", f"unknown operator {op!r}; expected one of {', '.join(OPERATORS)}"
        )
    if "value" not in source:
        raise RuleError(f"{path}.value", "missing")
    value = source["value"]
    try:
        check = compile_condition(prop, prop_type, op, value)
    except OperatorProblem as problem:
        raise RuleError(f"{path}.operator", str(problem)) from None
    except ValueProblem as problem:
        raise RuleError(f"{path}.value", str(problem)) from None
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise RuleError(path, f"an audience has at most {MAX_CONDITIONS} conditions")
    return Condition(path, prop, prop_type, op, value, check)
