"""Run the production schema twice: from compiled plans, and on graphql-core (the reference).

Each side has its own database (copies of the same demo database) and the same frozen clock, and
operations run in the same order on both, so mutations leave both in the same state. The whole
answer is compared: data, and every error's message, path, locations and extensions. A deferred
answer is compared entry by entry: the initial part (data, errors, the fragments pending), then
every later entry (incremental data with its fragment's path, label and ``subPath``, completed
fragments, errors, fragments announced later), then once more merged into one answer as a JSON
client gets it. Which later part an entry comes in, and so the ids, follow when each read's SQL
answers: graphql-core itself splits the same answer differently from run to run (parts with
in-memory reads, ``tests/execution/test_deferral.py``, are compared whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from graphql import (
    ArgumentNode,
    ExperimentalIncrementalExecutionResults,
    GraphQLInputType,
    GraphQLSchema,
    NameNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    parse_type,
    print_ast,
    value_from_ast_untyped,
    visit,
)
from graphql.error import GraphQLSyntaxError

from gateway.context import build_context
from gateway.execution.runner import document_position
from gateway.operation.assembly import OperationSchema, build_schema
from gateway.operation.incremental import whole_answer
from gateway.settings import Settings
from tests.docs_pages import ROOT, blocks, pages

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def answer(result: Any) -> dict[str, Any]:
    """Everything a client receives of ``result``, in a comparable form.

    Errors are put in document order (graphql-core reports them in the order its awaits
    finish; compiled plans in document order), ties by path and message.
    """
    errors = sorted(
        result.errors or (),
        key=lambda e: (document_position(result.data, e.path), str(e.path), e.message),
    )
    return {
        "data": result.data,
        "errors": [
            {
                "message": e.message,
                "path": e.path,
                "locations": [(loc.line, loc.column) for loc in e.locations or ()],
                "extensions": e.extensions,
            }
            for e in errors
        ],
    }


@dataclass
class Twins:
    """The same operations through both executors, each on its own copy of the data."""

    settings: Settings
    engine_pool: asyncpg.Pool
    plain_pool: asyncpg.Pool

    def __post_init__(self) -> None:
        self.engine: OperationSchema = build_schema(self.settings, compiled=True)
        self.plain: OperationSchema = build_schema(self.settings, compiled=False)
        assert self.engine.compiled is not None
        assert self.plain.compiled is None

    async def run(
        self,
        schema: OperationSchema,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        merged: bool = False,
    ) -> dict[str, Any]:
        """One operation, as one request, on ``schema``'s side; a deferred answer part by part,
        or ``merged`` into one (as a client that does not read multipart gets it)."""
        pool = self.engine_pool if schema is self.engine else self.plain_pool
        context = build_context(pool, self.settings, clock=lambda: NOW)
        result: Any = await schema.execute(query, variable_values=variables, context_value=context)
        if isinstance(result, ExperimentalIncrementalExecutionResults):  # @defer / @stream
            if merged:
                return answer(await whole_answer(result, context, report_round_trips=False))
            later = [part.formatted async for part in result.subsequent_results]
            return {"parts": by_fragment([result.initial_result.formatted, *later])}
        return answer(result)

    async def compare(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``query`` both ways (plain first) and assert the answers are equal; the answer
        (a deferred one: its parts, and its merged data and errors)."""
        expected = await self.run(self.plain, query, variables)
        actual = await self.run(self.engine, query, variables)
        assert actual == expected, f"{query}\n{variables}"
        if "parts" in actual:
            expected = await self.run(self.plain, query, variables, merged=True)
            merged = await self.run(self.engine, query, variables, merged=True)
            assert merged == expected, f"merged: {query}\n{variables}"
            return {**actual, **merged}
        return actual


def by_fragment(parts: list[Any]) -> dict[str, Any]:
    """Formatted parts as what they say, whatever part each entry came in: the initial data and
    errors, and every pending, incremental and completed entry with its fragment (path and label)
    in place of its id. Errors in one order (graphql-core lists them as its awaits finish,
    compiled plans in document order)."""
    fragments: dict[str, tuple[str, Any]] = {}

    def ordered(errors: list[Any] | None) -> list[Any]:
        return sorted(errors or (), key=lambda e: (str(e.get("path")), e["message"]))

    def announced(pending: list[Any] | None) -> list[str]:
        for entry in pending or ():
            fragments[entry["id"]] = (str(entry["path"]), entry.get("label"))
        return sorted(str(fragments[entry["id"]]) for entry in pending or ())

    initial, *later = parts
    pending = announced(initial.get("pending"))
    entries: list[str] = []
    for part in later:
        entries += ["pending " + fragment for fragment in announced(part.get("pending"))]
        for entry in part.get("incremental") or ():
            fragment = fragments[entry["id"]]
            sent = (fragment, entry.get("subPath"), entry.get("data"), ordered(entry.get("errors")))
            entries.append("incremental " + orjson.dumps(sent, default=str).decode())
        for entry in part.get("completed") or ():
            ended = (fragments[entry["id"]], ordered(entry.get("errors")))
            entries.append("completed " + orjson.dumps(ended, default=str).decode())
    return {
        "data": initial.get("data"),
        "errors": ordered(initial.get("errors")),
        "pending": pending,
        "later": sorted(entries),
        "ends": [part.get("hasNext") for part in parts][-1],
    }


@dataclass(frozen=True)
class Documented:
    """An operation shown in the docs: where, its text, its variables' names and given values."""

    where: str
    query: str
    variable_names: frozenset[str]
    variables: dict[str, Any] | None


def _operations(block: str) -> list[tuple[str, frozenset[str]]]:
    """Each operation of a GraphQL block as a document of its own (with the block's fragments)."""
    try:
        document = parse(block)
    except GraphQLSyntaxError:
        return []  # SDL excerpts and sketches are not operations
    # Subscriptions run through subscribe(), not execute(): tests/live covers them.
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation.value != "subscription"
    ]
    rest = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    if any(d.kind != "fragment_definition" for d in rest):
        return []  # type definitions (SDL)
    fragments = "\n".join(print_ast(d) for d in rest)
    return [
        (
            print_ast(op) + ("\n" + fragments if fragments else ""),
            frozenset(v.variable.name.value for v in op.variable_definitions or ()),
        )
        for op in operations
    ]


def documented_operations() -> list[Documented]:
    """Every operation in a ```graphql block of README.md and docs/.

    A ``# variables: {...}`` line in a block gives the variables of its operations.
    """
    found = []
    for page in pages():
        for block in blocks(page):
            if block.info != "graphql":
                continue
            match = re.search(r"^# variables: (\{.*\})$", block.text, re.M)
            variables = orjson.loads(match.group(1)) if match else None
            for query, names in _operations(block.text):
                found.append(Documented(block.where, query, names, variables))
    return found


# The operations a consumer copies, in source files: the storefront's and the client tests'.
CLIENT_SOURCES = (
    ROOT / "examples/storefront/src/operations.ts",
    ROOT / "tests/clients/operations.mjs",
)
# Values for their variables (operations taking others, the mutations, are run elsewhere).
CLIENT_VARIABLES = {"customerId": "demo-loyal", "includeSupplementary": True, "locale": "de-DE"}


def _filled(template: str, constants: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda match: constants[match.group(1)], template)


def client_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Each query of ``CLIENT_SOURCES`` (template strings, ``${...}`` filled in from the file's
    own constants) whose variables ``CLIENT_VARIABLES`` gives: (where, query, variables)."""
    found = []
    for source in CLIENT_SOURCES:
        text = source.read_text()
        constants = dict(re.findall(r'const (\w+) = "([^"]*)"', text))
        templates = re.findall(r"const (\w+) = (?:gql)?`([^`]*)`", text)
        for name, template in templates:
            constants[name] = _filled(template, constants)
        for name, _ in templates:
            try:
                document = parse(constants[name])
            except GraphQLSyntaxError:
                continue
            for op in document.definitions:
                if not isinstance(op, OperationDefinitionNode):
                    continue
                names = {v.variable.name.value for v in op.variable_definitions or ()}
                if op.operation.value == "query" and names <= CLIENT_VARIABLES.keys():
                    variables = {n: CLIENT_VARIABLES[n] for n in names}
                    found.append((f"{source.name}:{name}", constants[name], variables))
    return found


@dataclass(frozen=True)
class Lifted:
    """An operation whose arguments were made variables: the variables' types and given values."""

    query: str
    types: dict[str, GraphQLInputType]
    literals: dict[str, Any]


def lift_arguments(schema: GraphQLSchema, query: str) -> Lifted:
    """``query`` with each literal argument replaced by a variable of the argument's type.

    >>> import graphql
    >>> schema = graphql.build_schema("type Query { a(n: Int!, s: [String]): Int }")
    >>> lifted = lift_arguments(schema, '{ a(n: 3, s: "x") }')
    >>> print(lifted.query)
    query ($a0: Int!, $a1: [String]) {
      a(n: $a0, s: $a1)
    }
    >>> lifted.literals
    {'a0': 3, 'a1': 'x'}
    """
    type_info = TypeInfo(schema)
    types: dict[str, GraphQLInputType] = {}
    literals: dict[str, Any] = {}

    class Lift(Visitor):
        def leave_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
            argument_type = type_info.get_input_type()
            if argument_type is None or isinstance(node.value, VariableNode):
                return None
            name = f"a{len(types)}"
            types[name] = argument_type
            literals[name] = value_from_ast_untyped(node.value)
            return ArgumentNode(name=node.name, value=VariableNode(name=NameNode(value=name)))

        def leave_operation_definition(
            self, node: OperationDefinitionNode, *_: Any
        ) -> OperationDefinitionNode:
            definitions = tuple(
                VariableDefinitionNode(
                    variable=VariableNode(name=NameNode(value=name)),
                    type=parse_type(str(type_)),
                    directives=(),
                )
                for name, type_ in types.items()
            )
            return OperationDefinitionNode(
                operation=node.operation,
                name=node.name,
                variable_definitions=(*(node.variable_definitions or ()), *definitions),
                directives=node.directives,
                selection_set=node.selection_set,
            )

    lifted = visit(parse(query), TypeInfoVisitor(type_info, Lift()))
    return Lifted(print_ast(lifted), types, literals)


# Values the engine and the plain executor get differently on purpose: random ids.
RANDOM_ID_FIELDS = ("recordOfferEvent", "createOfferFulfillment", "updateOfferFulfillment")


def without_random_ids(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with the ids of offer events and fulfillments (random uuids) blanked."""
    data = answer["data"]
    if not isinstance(data, dict):
        return answer
    blanked = {
        key: {**value, "id": "<random>"}
        if key in RANDOM_ID_FIELDS and isinstance(value, dict) and "id" in value
        else value
        for key, value in data.items()
    }
    return {**answer, "data": blanked}


def answer_id(answer: dict[str, Any], field: str) -> str | None:
    """``data.<field>.id`` of an answer, when there is one."""
    value = (answer["data"] or {}).get(field)
    return value.get("id") if isinstance(value, dict) else None
