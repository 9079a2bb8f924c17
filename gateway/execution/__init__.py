"""The compiled operations: each operation planned once, then run without graphql-core's executor.

- ``compiler``: ``compile_operation`` builds an ``OperationPlan`` from a validated operation:
  fields collected through fragments, aliases, ``@include`` / ``@skip`` and ``@defer``; per
  field an attribute read or a resolver with its literal arguments converted once; a serializer
  per leaf.
- ``runner``: ``Run`` executes a plan for one request, building the answer as dicts with
  GraphQL's null propagation, error paths and locations.
- ``plan``: what a plan holds, and ``describe`` to print one.
- ``codegen``: Python source generated per object plan, completing its fields inline.
- ``deferral``: ``@defer``: the fields of deferred fragments split off at plan time as
  graphql-core splits them, run as execution groups after the initial part, and handed to
  graphql-core's own scheduler and publisher (later parts, ids and batches are its own).
- ``variables``: ``VariableCoercer``, the operation's variables coerced by a function built once
  per operation (graphql-core's ``get_variable_values`` for any value it does not take).
- ``inputs``: converters of argument values, worked out once per argument type.
- ``leaves``: serializers for scalar and enum leaves.
- ``internals``: every private name of strawberry or graphql-core used here, in one list that
  ``tests/execution/test_internals.py`` checks.

The operation layer (``gateway.operation.compiled``) caches the plans beside the parse and
validation caches and decides, per operation, between a plan and graphql-core.
"""

from gateway.execution.compiler import Unsupported, compile_operation
from gateway.execution.plan import OperationPlan, describe

__all__ = ["OperationPlan", "Unsupported", "compile_operation", "describe"]
