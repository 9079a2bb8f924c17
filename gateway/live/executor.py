"""The executor subscriptions run on: strawberry's, with each event's sub-field memo its own.

graphql-core 3.3 runs every event of a subscription on a shallow copy of the subscription's
executor (``build_per_event_executor``), so the copies share its memo of collected sub-fields.
That memo is keyed by the identity of a field group, and every event collects its groups anew:
each event left one more entry (the group and its collected sub-fields, ~1 to 3 KB for a cart),
for as long as the subscription lived. A copy with a memo of its own drops it with the event.

The memo is graphql-core's private ``_relevant_sub_fields`` (listed in
``gateway.execution.internals``).

>>> LiveExecutor.__mro__[1].__name__
'StrawberryGraphQLCoreExecutionContext'
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class LiveExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's graphql-core executor; a subscription event's copy memoizes on its own."""

    def build_per_event_executor(self, payload: Any) -> Any:
        """graphql-core's per-event copy, with an empty sub-field memo of its own."""
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor
