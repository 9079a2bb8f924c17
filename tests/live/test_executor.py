"""A subscription's events memoize apart: its executor holds nothing more after 50 events."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from typing import Any

from graphql import build_schema, parse, subscribe

from gateway.live.executor import LiveExecutor

SCHEMA = build_schema("""
type Query { noop: String }
type Item { a: Int b: Int }
type Subscription { items: [Item] }
""")


async def _events() -> AsyncIterator[dict[str, Any]]:
    for _ in range(50):
        yield {"items": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}


def _executors() -> list[LiveExecutor]:
    # type(), not isinstance(): a weak proxy among the objects would raise once its referent died.
    return [o for o in gc.get_objects() if type(o) is LiveExecutor and o.root_value is None]


def _memo_sizes(besides: list[LiveExecutor]) -> list[int]:
    """The memo sizes of the executors alive now that were not in ``besides`` (other tests' served
    subscriptions leave theirs until collected)."""
    return [
        len(o._relevant_sub_fields)
        for o in _executors()
        if not any(o is earlier for earlier in besides)
    ]


async def test_fifty_events_leave_no_memo_behind() -> None:
    earlier = _executors()
    SCHEMA.subscription_type.fields["items"].subscribe = lambda _root, _info: _events()  # type: ignore[union-attr]
    stream = subscribe(SCHEMA, parse("subscription { items { a b } }"), executor_class=LiveExecutor)
    assert not isinstance(stream, list)
    results = [result async for result in stream]  # type: ignore[union-attr]

    assert len(results) == 50 and results[-1].data == {
        "items": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    }
    assert _memo_sizes(earlier) == [0]  # graphql-core's own executor kept one entry per event
