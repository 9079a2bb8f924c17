"""Per-call time of coercing the bench operations' variables: graphql-core against the coercer.

``uv run python -m bench.coercion`` prints, per operation, the microseconds one call of
graphql-core's ``get_variable_values`` takes and one call of the operation's compiled coercer
(``gateway.execution.variables``), best of 15 alternated rounds, with the production settings
(suggestions hidden, at most 50 errors). Both get the same definitions and variables; the script
checks that their coerced values are equal before timing them.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable, Sequence
from typing import Any

from graphql import OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values

from bench import scenarios
from gateway.execution.internals import graphql_schema
from gateway.execution.variables import VariableCoercer
from gateway.operation.assembly import build_schema

OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "cart": (scenarios.CART, {"customerId": "c-000042"}),
    "personalizedOffers": (scenarios.PERSONALIZED, scenarios.personalized_variables(42)),
    "_entities x100": (
        scenarios.ENTITIES,
        {"representations": [{"__typename": "Customer", "id": f"c-{n:06d}"} for n in range(100)]},
    ),
}


def per_call_us(
    calls: Sequence[Callable[[], object]], rounds: int = 15, number: int = 5_000
) -> list[float]:
    """The best of ``rounds`` timings of each of ``calls``, in microseconds per call.

    The calls alternate round by round, so a busy neighbour on the machine slows both alike.
    """
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for index, call in enumerate(calls):
            best[index] = min(best[index], timeit.timeit(call, number=number))
    return [seconds / number * 1e6 for seconds in best]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table (a bounded number of calls: ~10 s on this machine)."""
    schema = graphql_schema(build_schema())
    print(f"{'operation':<20} {'graphql-core µs':>16} {'coercer µs':>11} {'ratio':>6}")
    for name, (query, variables) in OPERATIONS.items():
        operation = parse(query).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        definitions = operation.variable_definitions or ()
        coercer = VariableCoercer(schema, definitions)

        def reference(d: Any = definitions, v: dict[str, Any] = variables) -> Any:
            return get_variable_values(schema, d, v, max_errors=50, hide_suggestions=True)

        def compiled(c: VariableCoercer = coercer, v: dict[str, Any] = variables) -> Any:
            return c(v, max_errors=50, hide_suggestions=True)

        assert compiled().coerced == reference().coerced, name
        number = 500 if "x100" in name else 5_000
        before, after = per_call_us([reference, compiled], number=number)
        print(f"{name:<20} {before:>16.2f} {after:>11.2f} {before / after:>5.1f}x")


if __name__ == "__main__":
    main()
