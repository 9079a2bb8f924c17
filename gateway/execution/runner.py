"""Run an ``OperationPlan``: read each field as planned and build the answer as plain dicts.

Synchronous values are completed at once, depth first, in document order. A resolver that
returns an awaitable leaves a slot; the slots of one pass are awaited together (loaders batch
across the whole pass) and completed in turn, which may leave more. Null propagation follows
GraphQL: a null (or an error) in a non-null position nulls the nearest nullable parent, and
work still pending under a nulled parent is dropped with its errors, as graphql-core cancels it.
Errors carry graphql-core's messages, paths and locations. An object whose plan defers fields
(``@defer``) completes through ``deferral``'s completer, which keeps in ``Run.deferred`` what the
run leaves for later parts.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from types import GeneratorType
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.error import located_error
from graphql.execution.values import VariableValues
from graphql.pyutils import Path, is_iterable
from graphql.pyutils import inspect as describe_value
from strawberry.types import Info

from gateway.execution.internals import ResolveInfo
from gateway.execution.plan import (
    AbstractPlan,
    CompletionPlan,
    FieldPlan,
    LeafPlan,
    ListPlan,
    ObjectPlan,
    OperationPlan,
    Read,
)

# Whether values of a class are awaitable, by class: ``inspect.isawaitable`` asks the Awaitable
# ABC (a Python-level ``__instancecheck__``) for every resolver's value. Generators are asked
# each time: a generator-based coroutine is awaitable by a flag of its own.
_AWAITABLE_BY_CLASS: dict[type, bool] = {}


def _is_awaitable(value: Any) -> bool:
    kind = type(value)
    known = _AWAITABLE_BY_CLASS.get(kind)
    if known is None:
        known = inspect.isawaitable(value)
        if kind is not GeneratorType and len(_AWAITABLE_BY_CLASS) < 1024:
            _AWAITABLE_BY_CLASS[kind] = known
    return known


class PlannedInfo(Info[Any, Any]):
    """strawberry's ``Info``, its ``selected_fields`` made once per plan when they can be."""

    plan: FieldPlan | None = None

    @property
    def selected_fields(self) -> list[Any]:
        """The selections under the field (strawberry's), shared by the plan's requests."""
        plan = self.plan
        if plan is None or not plan.selection_is_static:
            return super().selected_fields
        if plan.selected_fields is None:
            plan.selected_fields = super().selected_fields
        return plan.selected_fields


class _Null(Exception):
    """A null reached a non-null position: the nearest nullable parent becomes null."""


class _Frame:
    """Where an object (or list) sits in the answer, for paths and null propagation."""

    __slots__ = ("container", "groups", "key", "nullable", "parent", "value")

    def __init__(
        self, parent: _Frame | None, container: Any, key: str | int, nullable: bool
    ) -> None:
        self.parent = parent
        self.container = container
        self.key = key
        self.nullable = nullable
        self.value: Any = None  # the dict or list built here
        # ``@defer``: the delivery groups open here, by fragment (``deferral``), when any opens.
        self.groups: dict[Any, Any] | None = None

    def path(self, *tail: str | int) -> list[str | int]:
        keys: list[str | int] = list(reversed(tail))
        frame: _Frame | None = self
        while frame is not None:
            keys.append(frame.key)
            frame = frame.parent
        keys.reverse()
        return keys


_Pending = tuple[Awaitable[Any], FieldPlan, dict[str, Any], "_Frame | None"]


class Run:
    """One execution of a plan: its variables, context, answer and errors."""

    __slots__ = (
        "answer",
        "context",
        "data_nulled",
        "deferred",
        "errors",
        "fatal",
        "fragments",
        "infos",
        "operation",
        "pending",
        "root_value",
        "schema",
        "variables",
    )

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        context: Any,
        root_value: Any,
    ) -> None:
        self.schema = schema
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.operation = operation
        self.variables = variables
        self.context = context
        self.root_value = root_value
        self.errors: list[GraphQLError] = []
        self.pending: list[_Pending] = []
        self.infos: dict[int, Info[Any, Any]] = {}
        self.data_nulled = False
        self.fatal: GraphQLError | None = None  # the error whose null reached the root
        self.answer: dict[str, Any] = {}  # the data as built, kept when a null reaches the root
        self.deferred: Any = None  # @defer: what the run leaves for later parts (``deferral``)

    async def execute(self, plan: OperationPlan) -> dict[str, Any] | None:
        """The operation's data (None when a null reached the root); errors in ``errors``."""
        root = plan.root
        self.fragments = plan.fragments
        data = self.answer
        try:
            if root.defer is not None and root.complete is not None:  # @defer at the root
                data = self.answer = root.complete(self, self.root_value, None)
            else:
                for field_plan in root.fields:
                    self.field(field_plan, root, self.root_value, data, None)
                    if plan.serial:
                        await self._settle()
                        if self.data_nulled:
                            return None
            await self._settle()
        except _Null:
            self.fatal = self.errors[-1] if self.errors else None
            self._abandon()
            return None
        return None if self.data_nulled else data

    def _abandon(self) -> None:
        """Close what will never be awaited (a null reached the root first)."""
        for awaitable, *_ in self.pending:
            close = getattr(awaitable, "close", None)
            if close is not None:
                close()
        self.pending = []

    def errors_in_document_order(self) -> list[GraphQLError]:
        """The errors sorted by where their paths lead in the answer (document order)."""
        if len(self.errors) < 2:
            return self.errors
        answer = self.answer
        return sorted(self.errors, key=lambda error: document_position(answer, error.path))

    def _object(self, plan: ObjectPlan, source: Any, frame: _Frame | None) -> dict[str, Any]:
        complete = plan.complete
        if complete is not None:
            return complete(self, source, frame)
        result: dict[str, Any] = {}
        if frame is not None:
            frame.value = result
        for field_plan in plan.fields:
            self.field(field_plan, plan, source, result, frame)
        return result

    def field(
        self,
        field_plan: FieldPlan,
        parent: ObjectPlan,
        source: Any,
        result: dict[str, Any],
        frame: _Frame | None,
    ) -> None:
        """Read and complete one field of ``source`` into ``result`` (the general path)."""
        key = field_plan.key
        read = field_plan.read
        if read is Read.TYPENAME:
            result[key] = parent.type_name
            return
        if read is not Read.ATTRIBUTE:
            try:
                value = self.call(field_plan, source, frame)
            except Exception as error:
                self.failed(field_plan, result, frame, error)
                return
            self.resolved(field_plan, result, frame, value)
            return
        try:
            value = getattr(source, field_plan.attribute)
            result[key] = self._complete_field(field_plan, value, result, frame)
        except _Null:
            if not field_plan.nullable:
                raise
            result[key] = None
        except Exception as error:
            self.failed(field_plan, result, frame, error)

    def resolved(
        self, field_plan: FieldPlan, result: dict[str, Any], frame: _Frame | None, value: Any
    ) -> None:
        """Complete ``value``, what the field's resolver returned, into ``result`` (an awaitable
        waits in ``pending``)."""
        key = field_plan.key
        try:
            if _is_awaitable(value):
                result[key] = None
                self.pending.append((value, field_plan, result, frame))
                return
            result[key] = self._complete_field(field_plan, value, result, frame)
        except _Null:
            if not field_plan.nullable:
                raise
            result[key] = None
        except Exception as error:
            self.failed(field_plan, result, frame, error)

    def failed(
        self, field_plan: FieldPlan, result: dict[str, Any], frame: _Frame | None, error: Exception
    ) -> None:
        """Record ``error`` at the field; its null propagates when the field is non-null."""
        key = field_plan.key
        self._error(error, field_plan, frame, key)
        if not field_plan.nullable:
            raise _Null from None
        result[key] = None

    def call(self, field_plan: FieldPlan, source: Any, frame: _Frame | None) -> Any:
        """The field's resolver called on ``source`` with its arguments (and ``info``)."""
        static = field_plan.static_arguments
        kwargs = dict(static) if static else {}
        if field_plan.arguments_from_variables is not None:
            kwargs.update(field_plan.arguments_from_variables(self.variables))
        if field_plan.info_keyword is not None:
            kwargs[field_plan.info_keyword] = self.info(field_plan, frame)
        if field_plan.source_keyword is not None:
            kwargs[field_plan.source_keyword] = source
        assert field_plan.resolver is not None
        if field_plan.takes_source:
            return field_plan.resolver(source, **kwargs)
        return field_plan.resolver(**kwargs)

    def info(self, field_plan: FieldPlan, frame: _Frame | None) -> Info[Any, Any]:
        """strawberry's ``Info``, made once per field of the plan and run.

        A field under a list shares one with every item: its ``path`` is the first item's.
        """
        info = self.infos.get(id(field_plan))
        if info is None:
            path = None
            for key in frame.path() if frame is not None else ():
                path = Path(path, key, None)
            raw = ResolveInfo(
                field_plan.name,
                list(field_plan.nodes),
                field_plan.return_type,  # type: ignore[arg-type]
                field_plan.parent_type,
                Path(path, field_plan.key, field_plan.parent_type.name),
                self.schema,
                self.fragments,
                self.root_value,
                self.operation,
                self.variables.coerced,
                self.context,
                _is_awaitable,
                None,
                None,
                {},
            )
            info = self.infos[id(field_plan)] = PlannedInfo(
                _raw_info=raw,  # type: ignore[arg-type]
                _field=field_plan.strawberry_field,
            )
            info.plan = field_plan
        return info

    def _complete_field(
        self, field_plan: FieldPlan, value: Any, container: Any, frame: _Frame | None
    ) -> Any:
        if value is None:
            if field_plan.nullable:
                return None
            raise TypeError(
                "Cannot return null for non-nullable field"
                f" {field_plan.parent_type.name}.{field_plan.name}."
            )
        completion = field_plan.completion
        if type(completion) is LeafPlan:
            if isinstance(value, Exception):
                raise value
            return completion.serialize(value)
        assert completion is not None
        return self._complete(
            completion,
            value,
            field_plan,
            _Frame(frame, container, field_plan.key, field_plan.nullable),
        )

    def _complete(
        self, completion: CompletionPlan, value: Any, field_plan: FieldPlan, frame: _Frame
    ) -> Any:
        """A non-null ``value`` completed as ``completion``; ``frame`` is where it sits."""
        if isinstance(value, Exception):
            raise value
        if type(completion) is ObjectPlan:
            return self._object(self._checked(completion, value, field_plan), value, frame)
        if type(completion) is LeafPlan:
            return completion.serialize(value)
        if type(completion) is ListPlan:
            return self._list(completion, value, field_plan, frame)
        assert isinstance(completion, AbstractPlan)
        return self._object(self._resolved(completion, value, field_plan), value, frame)

    def _list(
        self, completion: ListPlan, value: Any, field_plan: FieldPlan, frame: _Frame
    ) -> list[Any]:
        if not is_iterable(value):
            raise GraphQLError(
                "Expected Iterable, but did not find one for field"
                f" '{field_plan.parent_type.name}.{field_plan.name}'."
            )
        items: list[Any] = []
        frame.value = items
        item_plan = completion.item
        nullable = completion.item_nullable
        leaf = item_plan if type(item_plan) is LeafPlan else None
        for index, item in enumerate(value):
            try:
                if item is None:
                    if not nullable:
                        raise TypeError(
                            "Cannot return null for non-nullable field"
                            f" {field_plan.parent_type.name}.{field_plan.name}."
                        )
                    items.append(None)
                elif leaf is not None and not isinstance(item, Exception):
                    items.append(leaf.serialize(item))
                elif _is_awaitable(item):
                    raise TypeError("awaitable list items are not planned")
                else:
                    items.append(
                        self._complete(
                            item_plan, item, field_plan, _Frame(frame, items, index, nullable)
                        )
                    )
            except _Null:
                if not nullable:
                    raise
                items.append(None)
            except Exception as error:
                self.errors.append(located_error(error, list(field_plan.nodes), frame.path(index)))
                if not nullable:
                    raise _Null from None
                items.append(None)
        return items

    @staticmethod
    def _checked(completion: ObjectPlan, value: Any, field_plan: FieldPlan) -> ObjectPlan:
        origin = completion.origin
        if origin is not None and isinstance(value, origin):
            return completion
        is_type_of = completion.is_type_of
        if is_type_of is not None and not is_type_of(value, None):
            raise GraphQLError(
                f"Expected value of type '{completion.type_name}' but got: "
                f"{describe_value(value)}.",
                list(field_plan.nodes),
            )
        return completion

    @staticmethod
    def _resolved(completion: AbstractPlan, value: Any, field_plan: FieldPlan) -> ObjectPlan:
        for cls in type(value).__mro__:
            name = completion.type_names.get(cls)
            if name is not None:
                return completion.by_type[name]
        raise GraphQLError(
            f"Abstract type '{completion.type_name}' must resolve to an Object type at runtime"
            f" for field '{field_plan.parent_type.name}.{field_plan.name}'."
            f" Either the '{completion.type_name}' type should provide a 'resolve_type'"
            " function or each possible type should provide an 'is_type_of' function.",
            list(field_plan.nodes),
        )

    def _error(
        self, error: Exception, field_plan: FieldPlan, frame: _Frame | None, key: str
    ) -> GraphQLError:
        path = frame.path(key) if frame is not None else [key]
        located = located_error(error, list(field_plan.nodes), path)
        self.errors.append(located)
        return located

    async def _settle(self) -> None:
        """Await every pending slot, pass by pass, completing each as it comes.

        Within a pass, failures that null a parent are applied last, so that every resolver
        that ran reports its errors, whatever order the awaits finished in.
        """
        while self.pending:
            batch, self.pending = self.pending, []
            if len(batch) == 1:
                values: list[Any] = []
                try:
                    values.append(await batch[0][0])
                except Exception as error:
                    values.append(error)
            else:
                values = await asyncio.gather(*(p[0] for p in batch), return_exceptions=True)
            failed: list[tuple[FieldPlan, Exception | None, GraphQLError | None, _Frame | None]]
            failed = []
            for (_, field_plan, container, frame), value in zip(batch, values, strict=True):
                if _dead(frame):
                    continue
                outcome = self._settle_one(field_plan, value, container, frame)
                if outcome is not None:
                    reported = self.errors[-1] if outcome[0] is None and self.errors else None
                    failed.append((field_plan, outcome[0], reported, frame))
            # A parent nulled by several failures reports the first (graphql-core's rule).
            for field_plan, failure, reported, frame in failed:
                if self.data_nulled:
                    self._abandon()
                    return
                if _dead(frame):
                    continue
                if failure is not None:
                    reported = self._error(failure, field_plan, frame, field_plan.key)
                self._null_upwards(frame)
                if self.data_nulled:
                    self.fatal = reported

    def _settle_one(
        self, field_plan: FieldPlan, value: Any, container: dict[str, Any], frame: _Frame | None
    ) -> tuple[Exception | None] | None:
        """Complete one awaited value into its slot.

        Returns ``(error,)`` when the parent must become null: the error to report then (None
        when it was reported deeper down).
        """
        key = field_plan.key
        try:
            if isinstance(value, BaseException):
                raise value
            container[key] = self._complete_field(field_plan, value, container, frame)
            return None
        except _Null:
            failure: tuple[Exception | None] = (None,)
        except Exception as error:
            if not field_plan.nullable:
                return (error,)
            self._error(error, field_plan, frame, key)
            failure = (None,)
        if field_plan.nullable:
            container[key] = None
            return None
        return failure

    def _null_upwards(self, frame: _Frame | None) -> None:
        """A non-null field of the object at ``frame`` failed: null its nearest nullable place."""
        while frame is not None:
            if frame.nullable:
                frame.container[frame.key] = None
                return
            frame = frame.parent
        self.data_nulled = True


def _dead(frame: _Frame | None) -> bool:
    """Whether the place of ``frame`` (or of a parent) was nulled since it was built (or never
    filled: a null met while it was being completed)."""
    while frame is not None:
        try:
            if frame.container[frame.key] is not frame.value:
                return True
        except (KeyError, IndexError):
            return True
        frame = frame.parent
    return False


def document_position(data: Any, path: Any) -> tuple[int, ...]:
    """Where ``path`` leads in ``data``: per level, the key's rank among the object's keys
    (which the runner inserts in document order) or the list index; -1 past a null."""
    position: list[int] = []
    value = data
    for key in path or ():
        if isinstance(value, dict) and isinstance(key, str):
            position.append(next((i for i, k in enumerate(value) if k == key), -1))
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int):
            position.append(key)
            value = value[key] if key < len(value) else None
        else:
            position.append(-1)
            value = None
    return tuple(position)
