"""Compiled completers: a selection set over plain attributes, completed by one generated function.

For an operation without directives, a selection set's plan is the same for every request (see
``static_selections``). When every entry of it is an attribute-backed scalar or enum, an
attribute-backed object or list of objects whose own selection set qualifies too, or
``__typename``, the whole subtree is a pure function of the value: this module writes that
function once, as Python source (like graphql-jit does in JavaScript), so that completing a
promotion with its restrictions is straight-line attribute reads and dict stores, with no
``Path``, no recursion through graphql-core and no per-field dispatch.

A completer never raises and never reports: on anything unexpected — a missing attribute, a null
in a non-null field, a value of another class (NOT_LOADED included), a leaf its coercer declines
— it returns ``Undefined``, and the caller completes that value the general way, which finds and
reports the problem exactly as graphql-core does. It reads and builds only, so doing the work
again is safe.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import Undefined

from gateway.execution.leaf_coercion import Coercer

Completer = Callable[[Any], Any]


@dataclass(frozen=True)
class LeafEntry:
    """A scalar or enum attribute; ``exact`` values (a ``str`` for String) need no coercion."""

    response_name: str
    attribute: str
    coerce: Coercer
    exact: type | None
    non_null: bool


@dataclass(frozen=True)
class ConstantEntry:
    """A value known from the selection alone (``__typename`` of an object type)."""

    response_name: str
    value: str


@dataclass(frozen=True)
class ObjectEntry:
    """An object attribute (``item_non_null`` is None) or a list of objects, each of exactly
    class ``origin``, completed by ``complete``."""

    response_name: str
    attribute: str
    origin: type
    complete: Completer
    non_null: bool
    item_non_null: bool | None = None


Entry = LeafEntry | ConstantEntry | ObjectEntry


def compile_completer(entries: Sequence[Entry]) -> Completer | None:
    """A function completing ``entries`` on a value: the result dict, or Undefined.

    None when an attribute is not a plain identifier (the generated source reads attributes
    directly).

    >>> complete = compile_completer([LeafEntry("name", "name", str, str, True)])
    >>> complete(SimpleNamespace(name="kettle"))
    {'name': 'kettle'}
    """
    namespace: dict[str, Any] = {"U": Undefined, "list": list, "type": type}
    lines = ["def complete(value):", "    result = {}"]
    for index, entry in enumerate(entries):
        key = f"k{index}"
        namespace[key] = entry.response_name
        if isinstance(entry, ConstantEntry):
            namespace[f"c{index}"] = entry.value
            lines.append(f"    result[{key}] = c{index}")
            continue
        if not entry.attribute.isidentifier() or keyword.iskeyword(entry.attribute):
            return None
        lines.append(f"    v = value.{entry.attribute}")
        if isinstance(entry, LeafEntry):
            lines += _leaf_lines(namespace, index, entry)
        else:
            lines += _object_lines(namespace, index, entry)
    lines.append("    return result")
    # Missing attributes end in graphql-core's path, as any other surprise does.
    source = "\n".join(
        [lines[0], "  try:", *("  " + line for line in lines[1:]), "  except AttributeError:"]
    )
    source += "\n      return U"
    exec(compile(source, "<gateway completer>", "exec"), namespace)
    function: Completer = namespace["complete"]
    return function


def _null_lines(key: str, non_null: bool) -> list[str]:
    if non_null:
        return ["    if v is None:", "        return U"]
    return ["    if v is None:", f"        result[{key}] = None"]


def _leaf_lines(namespace: dict[str, Any], index: int, entry: LeafEntry) -> list[str]:
    key, coerce, exact = f"k{index}", f"f{index}", f"t{index}"
    namespace[coerce] = entry.coerce
    lines = _null_lines(key, entry.non_null)
    if entry.exact is not None:
        namespace[exact] = entry.exact
        lines += [f"    elif type(v) is {exact}:", f"        result[{key}] = v"]
    return [
        *lines,
        "    else:",
        f"        v = {coerce}(v)",
        "        if v is U:",
        "            return U",
        f"        result[{key}] = v",
    ]


def _object_lines(namespace: dict[str, Any], index: int, entry: ObjectEntry) -> list[str]:
    key, origin, complete = f"k{index}", f"o{index}", f"f{index}"
    namespace[origin] = entry.origin
    namespace[complete] = entry.complete
    lines = _null_lines(key, entry.non_null)
    if entry.item_non_null is None:
        return [
            *lines,
            "    else:",
            f"        if type(v) is not {origin}:",
            "            return U",
            f"        v = {complete}(v)",
            "        if v is U:",
            "            return U",
            f"        result[{key}] = v",
        ]
    null_item = (
        ["            if item is None:", "                return U"]
        if entry.item_non_null
        else [
            "            if item is None:",
            "                items.append(None)",
            "                continue",
        ]
    )
    return [
        *lines,
        "    else:",
        "        if type(v) is not list:",
        "            return U",
        "        items = []",
        "        for item in v:",
        *null_item,
        f"            if type(item) is not {origin}:",
        "                return U",
        f"            item = {complete}(item)",
        "            if item is U:",
        "                return U",
        "            items.append(item)",
        f"        result[{key}] = items",
    ]
