"""IdentityMemo: one computation per document object and key, bounded, never a stale hit."""

from __future__ import annotations

from graphql import parse

from gateway.operation.identity_cache import IdentityMemo


def test_remembers_per_document_object_and_key() -> None:
    calls: list[tuple[object, ...]] = []

    def names(document: object, suffix: str) -> str:
        calls.append((document, suffix))
        return f"{len(calls)}{suffix}"

    memo: IdentityMemo[object, str] = IdentityMemo(names, maxsize=8)
    first, equal_text = parse("{ a }"), parse("{ a }")

    assert memo(first, "!") == "1!"
    assert memo(first, "!") == "1!"
    assert memo(first, "?") == "2?"
    # An equal document that is another object is computed on its own (identity, not value).
    assert memo(equal_text, "!") == "3!"
    assert len(calls) == 3


def test_forgets_the_least_recently_used_beyond_maxsize() -> None:
    calls: list[object] = []

    def remember(document: object) -> int:
        calls.append(document)
        return len(calls)

    memo: IdentityMemo[object, int] = IdentityMemo(remember, maxsize=2)
    a, b, c = parse("{ a }"), parse("{ b }"), parse("{ c }")

    memo(a), memo(b), memo(a), memo(c)  # c evicts b, the least recently used

    assert memo(a) == 1
    assert memo(b) == 4  # computed again
    assert len(calls) == 4


def test_given_arguments_reach_the_function_but_not_the_key() -> None:
    calls: list[dict[str, int]] = []

    def count(document: object, *, fragments: dict[str, int]) -> int:
        calls.append(fragments)
        return len(fragments)

    memo: IdentityMemo[object, int] = IdentityMemo(count, maxsize=4)
    document = parse("{ a }")

    assert memo(document, fragments={"F": 1}) == 1
    assert memo(document, fragments={"F": 1, "G": 2}) == 1  # the document decides: remembered
    assert calls == [{"F": 1}]
