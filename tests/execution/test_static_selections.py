"""has_static_selections: only operations whose selections carry no directive are static."""

from __future__ import annotations

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.execution.static_selections import has_static_selections


def _check(text: str) -> bool:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return has_static_selections(operation, fragments)


@pytest.mark.parametrize(
    ("text", "static"),
    [
        ("{ a { b c } }", True),
        ("query Q($v: Int) { a(x: $v) { ...F ... on T { c } } } fragment F on T { b }", True),
        ("query ($s: Boolean!) { a { b @skip(if: $s) } }", False),
        ("query ($s: Boolean!) { a @include(if: $s) { b } }", False),
        ("query ($s: Boolean!) { a { ... on T @include(if: $s) { b } } }", False),
        ("query ($s: Boolean!) { a { ...F } } fragment F on T { b @skip(if: $s) }", False),
        ("{ a { ...F @defer } } fragment F on T { b }", False),
        ("{ a { ...F } } fragment F on T @deprecated { b }", False),
        # Fragments that spread each other are walked once each.
        ("{ a { ...F } } fragment F on T { b ...G } fragment G on T { c ...F }", True),
        ("{ a { ...F } } fragment F on T { b ...G } fragment G on T { c @skip(if: true) }", False),
    ],
)
def test_static_only_without_directives(text: str, static: bool) -> None:
    assert _check(text) is static
