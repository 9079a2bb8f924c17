"""The execution engine: how an operation runs faster than graphql-core's default path.

What it replaces in graphql-core (3.3) and strawberry (0.341+), and nothing else:

- ``context.GatewayExecutionContext`` replaces graphql-core's ``ExecutionContext`` for the
  gateway's schema: fields that are plain attributes (or resolvers marked ``@preloaded``) are read
  and completed directly instead of through ``execute_field`` / ``complete_value``;
- ``pure_completion`` writes one Python function per selection set of plain attributes;
- ``leaf_coercion`` coerces scalar and enum leaves without the general checks;
- ``static_selections`` and ``identity_cache`` share field collections and plans between requests
  of the same parsed document (operations without directives only);
- ``input_conversion`` replaces strawberry's per-request input conversion with a converter compiled
  once per input type (through strawberry's documented ``from_input`` hook);
- ``selection`` reads which sub-fields a resolver's query selects.

Everything it does not recognise goes through graphql-core's own code, so errors, null propagation,
``@defer`` / ``@stream`` and messages are graphql-core's.

Pinned versions: ``pyproject.toml`` holds graphql-core to ``>=3.3.2,<3.4`` and strawberry to
``>=0.341.2,<0.342``; the engine overrides internals of exactly those. An upgrade is guarded by
``tests/execution/``: answers of the production schema are computed with the engine and with
graphql-core's plain ``ExecutionContext`` and must be equal, data and errors alike.
"""
