"""graphql-core execution with a short path for fields that are plain attributes.

A cart answer is hundreds of fields, and most are attributes of a dataclass (``promotionName``,
``kpi``, the five restriction lists...). graphql-core treats each one like any resolver: a
``Path``, a ``ResolveInfo``, the argument values, awaitable checks, the generic ``complete_value``
dispatch and, for lists, a look for ``@stream`` — most of a cache-miss answer's time. For a field
that strawberry resolves by attribute lookup (no resolver, no field extension, the default
``getattr`` resolver) or whose resolver is marked ``@preloaded`` (it returns an attribute when the
list it belongs to filled it), this context reads the value and completes it directly:

- a scalar or enum: coerced;
- an object, or a list of objects, whose values are exactly the type's class: its selection set
  is executed through graphql-core's ``collect_and_execute_subfields`` (``@defer`` still works),
  and errors inside it are handled at the same paths with graphql-core's ``handle_field_error``.

Which fields those are is worked out once per selection set and request — or, for a cached
document without directives, once for all requests, with graphql-core's field collection (shared
too: see ``collect_subfields``). In such a document, a selection set made only of those fields
(and ``__typename``) gets a compiled completer (``pure_completion``): one generated function
completes an item's whole subtree, and a resolver's object or list of objects goes straight to it
(``complete_value``); when it meets anything unexpected it declines and the value is completed
the way described here. Anything else — a real resolver, arguments, directives on the field,
``__typename``, abstract types, a type's own ``is_type_of`` (strawberry's isinstance check for a
type implementing an interface, such as ``Node``, is not one: see ``_object_origin``), a value
that is missing, not yet preloaded, of another class or fails to coerce — takes graphql-core's
own path, so errors, null propagation and messages stay exactly as they were (tests compare
both).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, NamedTuple, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    OperationDefinitionNode,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from gateway.execution.identity_cache import IdentityMemo
from gateway.execution.leaf_coercion import Coercer, exact_class, leaf_coercer
from gateway.execution.pure_completion import (
    Completer,
    ConstantEntry,
    Entry,
    LeafEntry,
    ObjectEntry,
    compile_completer,
)
from gateway.execution.static_selections import has_static_selections

_LEAF_TYPES = (GraphQLScalarType, GraphQLEnumType)
_PRELOADED: Final = "__gateway_preloaded_attribute__"

ResolverT = TypeVar("ResolverT", bound=Callable[..., Any])


def preloaded(attribute: str) -> Callable[[ResolverT], ResolverT]:
    """Mark a resolver that returns ``getattr(self, attribute)`` whenever that is not NOT_LOADED.

    The short path then reads the attribute itself; when it holds NOT_LOADED, the resolver runs.

    >>> @strawberry.field
    ... @preloaded("preloaded_restrictions")
    ... def restrictions(self, info: Info) -> PromotionRestrictions | None: ...
    """

    def mark(resolver: ResolverT) -> ResolverT:
        setattr(resolver, _PRELOADED, attribute)
        return resolver

    return mark


class NotLoaded:
    """The type of NOT_LOADED: a field's value has not been preloaded."""


NOT_LOADED: Final = NotLoaded()


class _Leaf(NamedTuple):
    """How to complete an attribute-backed scalar field on the short path."""

    attribute: str
    coerce: Coercer  # Undefined: take graphql-core's path
    non_null: bool
    exact: type | None  # values of this class are their own output


class _Nested(NamedTuple):
    """How to complete an attribute-backed object (or list of objects) on the short path."""

    attribute: str
    return_type: GraphQLOutputType
    object_type: GraphQLObjectType
    origin: type
    non_null: bool
    # The declared type of the items for a list field; None for an object field.
    item_type: GraphQLOutputType | None


class _Step(NamedTuple):
    """How to complete one entry of a selection set: a short path when either is set."""

    leaf: _Leaf | None = None
    nested: _Nested | None = None


_GENERAL: Final = _Step()
_SHARED_SIZE: Final = 4096


class _Shape(NamedTuple):
    """A field type a compiled completer can complete: an object type, or a list of one."""

    object_type: GraphQLObjectType
    origin: type
    item_non_null: bool | None  # None: not a list


# By field type (schema types live as long as their schema): its shape, or None.
_value_shapes: dict[GraphQLOutputType, _Shape | None] = {}


def _value_shape(return_type: GraphQLOutputType) -> _Shape | None:
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    item_non_null: bool | None = None
    if isinstance(named, GraphQLList):
        item_type = named.of_type
        item_non_null = isinstance(item_type, GraphQLNonNull)
        named = item_type.of_type if item_non_null else item_type
    origin = _object_origin(named)
    if origin is None:
        return None
    assert isinstance(named, GraphQLObjectType)
    return _Shape(named, origin, item_non_null)


class _Uncompiled:
    """The type of UNCOMPILED: no completer has been compiled for a collection yet."""


_UNCOMPILED: Final = _Uncompiled()


class _SharedCollection:
    """A sub-field collection kept across requests, with its plan, its compiled completer and
    what its key's ids belong to (kept alive with it, so that no other object can take one of
    those ids)."""

    __slots__ = ("collected", "completer", "field_details_list", "return_type", "steps")

    def __init__(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        collected: Any,
        steps: list[_Step],
    ) -> None:
        self.return_type = return_type
        self.field_details_list = field_details_list
        self.collected = collected
        self.steps = steps
        # None: some entry needs graphql-core (see pure_completion).
        self.completer: Completer | _Uncompiled | None = _UNCOMPILED


# Sub-field collections of operations without directives, by (type, field nodes), across
# requests: graphql-core's own cache lives one request (see static_selections). The parse cache
# hands out the same nodes for the same query text, so a cached document is collected and
# planned once.
_shared_collections: OrderedDict[tuple[int, ...], _SharedCollection] = OrderedDict()
# The same collections' plans by the id of their grouped field set.
_shared_plans: dict[int, _SharedCollection] = {}
# Whether an operation has static selections, by the operation node.
_static_operations: IdentityMemo[OperationDefinitionNode, bool] = IdentityMemo(
    has_static_selections, maxsize=_SHARED_SIZE
)


def _detached_helpers(context: GatewayExecutionContext) -> GraphQLResolveInfoHelpers:
    """graphql-core's resolver helpers, without the cycle its own make.

    graphql-core binds them to the execution context, which holds them: the context, and with it
    the request's loaders and every row they read, then outlives the request until a garbage
    collection (about 150 objects per cart answer; RSS +60 MB under load). These reach the
    context through a weak reference, so reference counting frees a request when it ends.
    """
    context_ref = weakref.ref(context)

    def track(values: Sequence[Any]) -> None:
        live = context_ref()
        if live is not None:
            live.track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=_gather, track=track)


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    # graphql-core's gather_async_work, which reads nothing of its context.
    return gather_with_cancel(*values)


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, completing attribute-backed fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _detached_helpers(self)
        # strawberry always passes a manager; it wraps resolvers only when an extension
        # resolves fields (tracing), and then every field keeps graphql-core's path.
        manager = self.middleware_manager
        self._short_path = manager is None or not manager.middlewares
        # graphql-core collects a selection set once per type and request and reuses the result
        # for every item of a list: look its plan up once too (kept with it, so its id cannot
        # be reused).
        self._plans: dict[int, tuple[object, list[_Step], Completer | None]] = {}
        self._static = self._short_path and _static_operations(
            self.operation, fragments=self.fragment_definitions
        )

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """graphql-core's per-request memo, backed by collections shared across requests."""
        if not self._static:
            return super().collect_subfields(return_type, field_details_list)
        memo = self._relevant_sub_fields
        memo_key = (return_type, id(field_details_list))
        cached = memo.get(memo_key)
        if cached is not None:
            return cached[1]
        key = (id(return_type), *[id(details.node) for details in field_details_list])
        shared = _shared_collections.get(key)
        if shared is not None:
            _shared_collections.move_to_end(key)
            memo[memo_key] = (field_details_list, shared.collected)
            return shared.collected
        collected = super().collect_subfields(return_type, field_details_list)
        grouped_field_set = collected[0]
        steps = _plan(return_type, grouped_field_set)
        shared = _SharedCollection(return_type, field_details_list, collected, steps)
        _shared_collections[key] = shared
        _shared_plans[id(grouped_field_set)] = shared
        if len(_shared_collections) > _SHARED_SIZE:
            _, evicted = _shared_collections.popitem(last=False)
            _shared_plans.pop(id(evicted.collected[0]), None)
        return collected

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """Execute a selection set; attribute-backed fields complete without the machinery."""
        if not self._short_path:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        planned = self._plans.get(id(grouped_field_set))
        if planned is None or planned[0] is not grouped_field_set:
            shared = _shared_plans.get(id(grouped_field_set))
            if shared is not None and shared.collected[0] is grouped_field_set:
                planned = (grouped_field_set, shared.steps, self._completer(shared))
            else:
                planned = (grouped_field_set, _plan(parent_type, grouped_field_set), None)
            self._plans[id(grouped_field_set)] = planned
        completer = planned[2]
        if completer is not None:
            whole = completer(source_value)
            if whole is not Undefined:
                return whole
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        type_name = parent_type.name
        try:
            for (response_name, details), step in zip(
                grouped_field_set.items(), planned[1], strict=True
            ):
                leaf = step.leaf
                if leaf is not None:
                    value = getattr(source_value, leaf.attribute, Undefined)
                    if value is None:
                        if not leaf.non_null:
                            results[response_name] = None
                            continue
                    elif value is not Undefined:
                        coerced = leaf.coerce(value)
                        if coerced is not Undefined:
                            results[response_name] = coerced
                            continue
                else:
                    nested = step.nested
                    if nested is not None:
                        value = getattr(source_value, nested.attribute, Undefined)
                        completed: Any = Undefined
                        if value is None:
                            if not nested.non_null:
                                results[response_name] = None
                                continue
                        elif nested.item_type is None:
                            if type(value) is nested.origin:
                                completed = self._complete_object(
                                    nested, details, Path(path, response_name, type_name),
                                    value, position_context,
                                )  # fmt: skip
                        elif type(value) is list and _all_exactly(value, nested.origin):
                            completed = self._complete_list(
                                nested, details, Path(path, response_name, type_name),
                                value, position_context,
                            )  # fmt: skip
                        if completed is not Undefined:
                            results[response_name] = completed
                            if completed is not None and is_awaitable(completed):
                                awaitable_fields.append(response_name)
                            continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, type_name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # Settle the coroutines already made: they may fail too (as graphql-core does).
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A resolver's object, or list of objects, by the selection's compiled completer when it
        has one (a root field's promotions: no graphql-core machinery per item)."""
        if self._static and result is not None:
            try:
                shape = _value_shapes[return_type]
            except KeyError:
                shape = _value_shapes[return_type] = _value_shape(return_type)
            if shape is not None:
                completed = self._complete_compiled(shape, field_details_list, result)
                if completed is not Undefined:
                    return completed
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _complete_compiled(self, shape: _Shape, field_details_list: Any, result: Any) -> Any:
        shared = _shared_plans.get(
            id(self.collect_subfields(shape.object_type, field_details_list)[0])
        )
        completer = None if shared is None else self._completer(shared)
        if completer is None:
            return Undefined
        if shape.item_non_null is None:
            return completer(result) if type(result) is shape.origin else Undefined
        if type(result) is not list:
            return Undefined
        items = []
        for item in result:
            if item is None:
                if shape.item_non_null:
                    return Undefined
            elif type(item) is not shape.origin:
                return Undefined
            else:
                item = completer(item)
                if item is Undefined:
                    return Undefined
            items.append(item)
        return items

    def _completer(self, shared: _SharedCollection) -> Completer | None:
        """The shared collection's compiled completer, compiled on first use."""
        completer = shared.completer
        if isinstance(completer, _Uncompiled):
            shared.completer = None  # a selection cannot contain itself; if it did: not pure
            completer = shared.completer = self._compile(shared)
        return completer

    def _compile(self, shared: _SharedCollection) -> Completer | None:
        entries: list[Entry] = []
        for (response_name, details), step in zip(
            shared.collected[0].items(), shared.steps, strict=True
        ):
            leaf, nested = step.leaf, step.nested
            if leaf is not None:
                entry: Entry = LeafEntry(
                    response_name, leaf.attribute, leaf.coerce, leaf.exact, leaf.non_null
                )
            elif nested is not None:
                child = _shared_plans.get(
                    id(self.collect_subfields(nested.object_type, details)[0])
                )
                complete = None if child is None else self._completer(child)
                if complete is None:
                    return None
                item_type = nested.item_type
                entry = ObjectEntry(
                    response_name,
                    nested.attribute,
                    nested.origin,
                    complete,
                    nested.non_null,
                    None if item_type is None else isinstance(item_type, GraphQLNonNull),
                )
            elif _is_typename(details):
                entry = ConstantEntry(response_name, shared.return_type.name)
            else:
                return None
            entries.append(entry)
        return compile_completer(entries)

    def _complete_object(
        self, nested: _Nested, details: Any, path: Path, value: Any, position_context: Any
    ) -> Any:
        """The object field's selection set on ``value``; errors handled as execute_field does."""
        try:
            completed = self.collect_and_execute_subfields(
                nested.object_type, details, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, nested.return_type, details, path)
            return None
        if self.is_awaitable(completed):
            return self._settle(completed, nested.return_type, details, path)
        return completed

    def _complete_list(
        self, nested: _Nested, details: Any, path: Path, items: list[Any], position_context: Any
    ) -> Any:
        """Each item's selection set, as complete_iterable_value and execute_field do."""
        item_type = nested.item_type
        assert item_type is not None
        is_awaitable = self.is_awaitable
        completed_items: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            try:
                for index, item in enumerate(items):
                    item_path = Path(path, index, None)
                    try:
                        completed = self.collect_and_execute_subfields(
                            nested.object_type, details, item_path, item, position_context
                        )
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item_type, details, item_path)
                        completed = None
                    else:
                        if is_awaitable(completed):
                            completed = self._settle(completed, item_type, details, item_path)
                            awaitable_indices.append(index)
                    completed_items.append(completed)
            except Exception:
                if awaitable_indices:
                    self.settle_in_background([completed_items[i] for i in awaitable_indices])
                raise
        except Exception as raw_error:
            self.handle_field_error(raw_error, nested.return_type, details, path)
            return None
        if not awaitable_indices:
            return completed_items

        async def get_items() -> list[Any]:
            awaited = await gather_with_cancel(*(completed_items[i] for i in awaitable_indices))
            for index, item in zip(awaitable_indices, awaited, strict=True):
                completed_items[index] = item
            return completed_items

        return self._settle(get_items(), nested.return_type, details, path)

    async def _settle(
        self, completed: Awaitable[Any], return_type: GraphQLOutputType, details: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


def _all_exactly(items: list[Any], origin: type) -> bool:
    """Whether every item is exactly of class ``origin`` (a loop: lists here are short)."""
    for item in items:  # noqa: SIM110 (all() would make a generator per list)
        if type(item) is not origin:
            return False
    return True


def _is_typename(field_details_list: Any) -> bool:
    node = field_details_list[0].node
    return bool(node.name.value == "__typename" and not node.arguments)


def _plan(parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Step]:
    """How to complete each entry of a selection set of ``parent_type``."""
    return [_step(parent_type, fields) for fields in grouped_field_set.values()]


def _step(parent_type: GraphQLObjectType, field_details_list: Any) -> _Step:
    general = _GENERAL
    field_node = field_details_list[0].node
    field_def = parent_type.fields.get(field_node.name.value)
    if field_def is None or field_node.arguments:
        return general
    backing = _backing_attribute(field_def)
    if backing is None:
        return general
    attribute, is_plain = backing
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if non_null else return_type
    if isinstance(named, _LEAF_TYPES):
        if not is_plain:
            return general  # a scalar could coerce NOT_LOADED: only plain attributes here
        return _Step(leaf=_Leaf(attribute, leaf_coercer(named), non_null, exact_class(named)))
    if any(details.node.directives for details in field_details_list):
        return general  # @stream, or a directive graphql-core may learn to act on
    item_type: GraphQLOutputType | None = None
    if isinstance(named, GraphQLList):
        item_type = named.of_type
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    origin = _object_origin(named)
    if origin is None:
        return general
    assert isinstance(named, GraphQLObjectType)
    nested = _Nested(attribute, return_type, named, origin, non_null, item_type)
    return _Step(nested=nested)


def _backing_attribute(field_def: Any) -> tuple[str, bool] | None:
    """The attribute a field reads and whether it is plain (else marked ``@preloaded``)."""
    definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or definition.extensions:
        return None
    resolve = field_def.resolve
    if resolve is not None and getattr(resolve, "_is_default", False):
        if getattr(definition, "default_resolver", None) is getattr:
            return str(definition.python_name), True
        return None
    base = definition.base_resolver
    marked = getattr(base.wrapped_func, _PRELOADED, None) if base is not None else None
    return (marked, False) if isinstance(marked, str) else None


def _object_origin(graphql_type: object) -> type | None:
    """The class of a plain object type's values (None for other types, or with is_type_of).

    A type that implements an interface gets an ``is_type_of`` from strawberry: an isinstance
    check of the type's class (and its interfaces'), true for every value of exactly that class
    (the short path takes no other), unless the value was ``strawberry.cast`` to another type —
    which is for foreign objects, never the type's own class. Such a type counts as plain; one
    with an ``is_type_of`` of its own does not.
    """
    if not isinstance(graphql_type, GraphQLObjectType):
        return None
    definition = graphql_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if graphql_type.is_type_of is not None and (
        getattr(definition, "is_type_of", True) is not None
        or not getattr(definition, "interfaces", None)
    ):
        return None
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None
