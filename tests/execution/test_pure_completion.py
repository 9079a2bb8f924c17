"""Compiled completers: the result of a selection over plain values, or Undefined to fall back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import Undefined

from gateway.execution.pure_completion import (
    ConstantEntry,
    LeafEntry,
    ObjectEntry,
    compile_completer,
)


class Part:
    def __init__(self, label: Any) -> None:
        self.label = label


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else Undefined


def _part_completer() -> Any:
    complete = compile_completer([LeafEntry("label", "label", _upper, None, True)])
    assert complete is not None
    return complete


def _item_completer() -> Any:
    complete = compile_completer(
        [
            ConstantEntry("__typename", "Item"),
            LeafEntry("name", "name", _upper, str, True),
            LeafEntry("note", "note", _upper, None, False),
            ObjectEntry("main", "main", Part, _part_completer(), True),
            ObjectEntry("parts", "parts", Part, _part_completer(), False, item_non_null=False),
        ]
    )
    assert complete is not None
    return complete


def _item(**changes: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "name": "kettle",
        "note": None,
        "main": Part("lid"),
        "parts": [Part("spout"), None],
    }
    return SimpleNamespace(**{**fields, **changes})


def test_completes_leaves_constants_objects_and_lists() -> None:
    complete = _item_completer()

    assert complete(_item()) == {
        "__typename": "Item",
        "name": "kettle",  # exactly a str: its own output, not coerced
        "note": None,
        "main": {"label": "LID"},
        "parts": [{"label": "SPOUT"}, None],
    }
    assert complete(_item(note="hot", parts=None))["note"] == "HOT"
    assert list(complete(_item())) == ["__typename", "name", "note", "main", "parts"]


def test_anything_unexpected_falls_back_with_undefined() -> None:
    complete = _item_completer()
    surprises = [
        _item(name=None),  # null in a non-null field
        _item(name=5),  # a leaf its coercer declines
        _item(main=SimpleNamespace(label="x")),  # another class
        _item(main=Part(None)),  # null deep inside
        _item(parts=(Part("a"),)),  # a tuple where a list belongs
        _item(parts=[Part(3)]),
        SimpleNamespace(name="no other attributes"),
    ]

    for value in surprises:
        assert complete(value) is Undefined


def test_attributes_that_are_not_identifiers_are_not_compiled() -> None:
    assert compile_completer([LeafEntry("a", "not an identifier", _upper, None, True)]) is None
    assert compile_completer([LeafEntry("a", "class", _upper, None, True)]) is None
