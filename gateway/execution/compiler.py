"""Build an ``OperationPlan`` from a validated operation: the work graphql-core repeats per request.

Field collection (fragments, inline fragments on interfaces, aliases merged by response key,
``@include`` / ``@skip``), the resolver of every field with its literal arguments already
converted to Python values, and the serializer of every leaf are worked out here once.
``@include`` / ``@skip`` whose condition is a variable are planned once per combination of their
values (``conditions``). What the plan cannot express raises ``Unsupported``, and the operation
runs on graphql-core instead (counted in ``gateway_operations_total{path="fallback"}``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    is_leaf_type,
    type_from_ast,
)
from graphql.execution.values import VariableValues, get_argument_values

from gateway.execution import internals
from gateway.execution.codegen import ResolverPath, object_completer, pure_completer
from gateway.execution.deferral import deferring_completer, split_deferred
from gateway.execution.inputs import Convert, converter
from gateway.execution.leaves import inline, serializer
from gateway.execution.plan import (
    AbstractPlan,
    ArgumentsFromVariables,
    CompletionPlan,
    DeferredFields,
    DeferSite,
    DeferUsage,
    FieldPlan,
    LeafPlan,
    ListPlan,
    ObjectPlan,
    OperationPlan,
    Read,
)
from gateway.execution.runner import Run

_INTROSPECTION_FIELDS = frozenset(("__schema", "__type"))
# Directives whose ``if`` may be a variable: a plan is built per combination of their values.
_CONDITIONS = ("include", "skip", "defer")

# A field node and the ``@defer`` fragment it was collected under (None: not deferred).
_Detail = tuple[FieldNode, DeferUsage | None]
_Fields = dict[str, list[_Detail]]
# Selection sets to collect from, each with the ``@defer`` fragment it sits in.
_Sets = tuple[tuple[SelectionSetNode, DeferUsage | None], ...]


# How generated completers call and finish resolver fields (``gateway.execution.codegen``).
_RESOLVER_PATH = ResolverPath(Run.call, Run.resolved, Run.failed, Run.info)


class Unsupported(Exception):
    """The operation uses something plans do not cover; it runs on graphql-core."""


def conditions(
    document: DocumentNode, operation: OperationDefinitionNode
) -> tuple[DirectiveNode, ...]:
    """The ``@include`` / ``@skip`` directives of ``operation`` whose condition is a variable.

    A plan is built per combination of their values (see ``condition_values``).
    """
    found: list[DirectiveNode] = []
    fragments = _fragments(document)
    seen: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in _CONDITIONS and _variable_condition(directive):
                    found.append(directive)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                visit(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    visit(fragments[name].selection_set)

    visit(operation.selection_set)
    return tuple(found)


class NullDeferCondition(Unsupported):
    """``@defer(if: $v)`` with ``$v`` null: graphql-core's error, for this request only."""


def condition_values(
    directives: tuple[DirectiveNode, ...], variables: Mapping[str, Any]
) -> tuple[bool, ...]:
    """Whether each of ``directives`` lets its selection through (``@defer``: defers), for
    these variables."""
    values = []
    for directive in directives:
        condition = _variable_condition(directive)
        assert condition is not None
        name = directive.name.value
        if name == "defer":
            # ``if: Boolean! = true``: an absent variable defers, a null one is an error.
            deferred = variables.get(condition.name.value, True)
            if deferred is None:
                raise NullDeferCondition("@defer(if: null)")
            values.append(deferred is not False)
            continue
        value = variables.get(condition.name.value) is True
        values.append(value if name == "include" else not value)
    return tuple(values)


def compile_operation(
    strawberry_schema: Any,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    directives: tuple[DirectiveNode, ...] = (),
    directive_values: tuple[bool, ...] = (),
) -> OperationPlan:
    """The plan of ``operation`` (validated) for one combination of variable conditions.

    Raises ``Unsupported`` for subscriptions, introspection, ``@stream``, and fields whose
    resolvers are not strawberry's plain ones. ``@defer`` is planned as graphql-core runs it
    (``DeferSite``).
    """
    if operation.operation is OperationType.SUBSCRIPTION:
        raise Unsupported("subscription")
    compiler = _Compiler(
        strawberry_schema,
        document,
        {id(d): v for d, v in zip(directives, directive_values, strict=True)},
    )
    schema = internals.graphql_schema(strawberry_schema)
    root_type = schema.get_root_type(operation.operation)
    if root_type is None:
        raise Unsupported(f"no {operation.operation.value} type")
    root = compiler.object_plan(root_type, ((operation.selection_set, None),), ())
    return OperationPlan(
        operation.operation.value,
        root,
        serial=operation.operation is OperationType.MUTATION,
        fragments=compiler.fragments,
    )


class _Compiler:
    def __init__(
        self, strawberry_schema: Any, document: DocumentNode, decided: dict[int, bool]
    ) -> None:
        self.strawberry_schema = strawberry_schema
        self.schema = internals.graphql_schema(strawberry_schema)
        self.fragments = _fragments(document)
        self.decided = decided

    def object_plan(
        self,
        object_type: GraphQLObjectType,
        selection_sets: _Sets,
        running: tuple[DeferUsage, ...],
    ) -> ObjectPlan:
        """The plan of ``object_type`` for the fields of ``selection_sets``, in a part that
        sends the fields of the ``@defer`` fragments ``running`` (none: the initial part)."""
        fields: _Fields = {}
        opened: list[DeferUsage] = []
        visited: dict[str, list[DirectiveNode | None]] = {}
        for selection_set, usage in selection_sets:
            self._collect(object_type, selection_set, fields, opened, visited, usage)
        now, later = split_deferred(fields, running)
        plan = self._object_plan(object_type, now, running)
        if opened or later:
            plan.defer = DeferSite(
                tuple(opened),
                tuple(
                    DeferredFields(usages, self._object_plan(object_type, grouped, usages))
                    for usages, grouped in later
                ),
            )
            plan.pure = None
            plan.complete = deferring_completer(plan, plan.complete)
        return plan

    def _object_plan(
        self, object_type: GraphQLObjectType, fields: _Fields, running: tuple[DeferUsage, ...]
    ) -> ObjectPlan:
        plans = tuple(
            self._field_plan(object_type, key, details, running) for key, details in fields.items()
        )
        classes = _value_classes(object_type)
        plan = ObjectPlan(
            object_type.name, plans, classes[0] if classes else None, object_type.is_type_of
        )
        plan.pure = pure_completer(plan)
        plan.complete = object_completer(plan, Run.field, _RESOLVER_PATH)
        return plan

    def _collect(
        self,
        object_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        fields: _Fields,
        opened: list[DeferUsage],
        visited: dict[str, list[DirectiveNode | None]],
        usage: DeferUsage | None,
    ) -> None:
        """graphql-core's ``visit_selection_sets``: fields by response key, each node with the
        ``@defer`` fragment it is under; the fragments opened here in ``opened``."""
        for selection in selection_set.selections:
            if not self._included(selection.directives):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append((selection, usage))
                if any(d.name.value == "stream" for d in selection.directives or ()):
                    raise Unsupported("@stream")
                continue
            if isinstance(selection, InlineFragmentNode):
                if not self._applies(selection.type_condition, object_type):
                    continue
                deferred = self._deferred(selection.directives, usage)
                if deferred is not None:
                    opened.append(deferred)
                self._collect(
                    object_type, selection.selection_set, fields, opened, visited,
                    deferred or usage,
                )  # fmt: skip
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or not self._applies(fragment.type_condition, object_type):
                    continue
                deferred = self._deferred(selection.directives, usage)
                under = deferred or usage
                seen = visited.setdefault(name, [])
                if None in seen or (under is not None and under.directive in seen):
                    continue
                if deferred is not None:
                    opened.append(deferred)
                seen.append(None if under is None else under.directive)
                self._collect(object_type, fragment.selection_set, fields, opened, visited, under)

    def _deferred(self, directives: Any, parent: DeferUsage | None) -> DeferUsage | None:
        """The ``@defer`` fragment these directives open (None: not deferred)."""
        directive = next((d for d in directives or () if d.name.value == "defer"), None)
        if directive is None:
            return None
        decided = self.decided.get(id(directive))
        label: str | None = None
        for argument in directive.arguments or ():
            value = argument.value
            if argument.name.value == "label":
                label = value.value if isinstance(value, StringValueNode) else None
            elif argument.name.value == "if" and decided is None:
                if not isinstance(value, BooleanValueNode):
                    raise Unsupported("@defer(if:) neither literal nor a planned variable")
                if not value.value:
                    return None
        if decided is False:
            return None
        return DeferUsage(label, parent, directive)

    def _included(self, directives: Any) -> bool:
        for directive in directives or ():
            name = directive.name.value
            if name not in ("include", "skip"):
                continue
            decided = self.decided.get(id(directive))
            if decided is not None:
                if not decided:
                    return False
                continue
            argument = next((a for a in directive.arguments if a.name.value == "if"), None)
            value = (
                argument is not None
                and isinstance(argument.value, BooleanValueNode)
                and argument.value.value
            )
            if value != (name == "include"):
                return False
        return True

    def _applies(self, condition: Any, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = type_from_ast(self.schema, condition)
        if conditional is object_type:
            return True
        if isinstance(conditional, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(conditional, object_type)
        return False

    def _field_plan(
        self,
        parent_type: GraphQLObjectType,
        key: str,
        details: list[_Detail],
        running: tuple[DeferUsage, ...],
    ) -> FieldPlan:
        nodes = [node for node, _ in details]
        name = nodes[0].name.value
        if name == "__typename":
            return FieldPlan(key, name, Read.TYPENAME, None, False, tuple(nodes), parent_type,
                             None, None)  # fmt: skip
        if name in _INTROSPECTION_FIELDS:
            raise Unsupported("introspection")
        field_def = parent_type.fields[name]
        completion, nullable = self._completion(field_def.type, details, running)
        plan = FieldPlan(
            key, name, Read.ATTRIBUTE, completion, nullable, tuple(nodes), parent_type,
            field_def, field_def.type,
        )  # fmt: skip
        self._reading(plan, field_def)
        return plan

    def _reading(self, plan: FieldPlan, field_def: GraphQLField) -> None:
        """How ``plan``'s value is read: an attribute, or the resolver with its arguments."""
        field = internals.strawberry_definition(field_def)
        if field is None:
            raise Unsupported(f"{plan.parent_type.name}.{plan.name} is not a strawberry field")
        if field.extensions:
            raise Unsupported(f"{plan.parent_type.name}.{plan.name} has field extensions")
        resolver = field.base_resolver
        if resolver is None:
            if internals.default_resolver(self.strawberry_schema) is not getattr:
                raise Unsupported("a custom default resolver")
            plan.attribute = field.python_name
            return
        plan.read = Read.RESOLVER
        plan.resolver = resolver.wrapped_func
        plan.strawberry_field = field
        plan.takes_source = resolver.self_parameter is not None
        if resolver.parent_parameter is not None:
            plan.source_keyword = resolver.parent_parameter.name
        elif resolver.root_parameter is not None:
            plan.source_keyword = resolver.root_parameter.name
        if resolver.info_parameter is not None:
            plan.info_keyword = resolver.info_parameter.name
        plan.called_inline = _called_inline(plan, field_def, resolver.wrapped_func)
        plan.selection_is_static = not any(_reads_variables(n.selection_set) for n in plan.nodes)
        node = plan.nodes[0]
        if not field_def.args:
            return
        given = node.arguments or ()
        if not any(_has_variable(argument.value) for argument in given):
            plan.static_arguments = self._convert(get_argument_values(field_def, node), field)
        elif all(isinstance(a.value, VariableNode) or not _has_variable(a.value) for a in given):
            plan.static_arguments, plan.arguments_from_variables = self._variable_arguments(
                field_def, node, field
            )
        else:  # a variable inside a literal list or object: graphql-core coerces the whole
            plan.arguments_from_variables = self._arguments_from_variables(field_def, node, field)

    def _variable_arguments(
        self, field_def: GraphQLField, node: FieldNode, field: Any
    ) -> tuple[dict[str, Any], ArgumentsFromVariables]:
        """Literal arguments converted now; each argument given as a variable converted per
        request by its type's converter (``inputs``)."""
        by_name = {a.python_name: a for a in field.arguments}
        graphql_names = {self._graphql_name(a): a.python_name for a in field.arguments}
        given = node.arguments or ()
        literals = [a for a in given if not isinstance(a.value, VariableNode)]
        given_as_variables = {a.name.value for a in given if isinstance(a.value, VariableNode)}
        without_variables = GraphQLField(
            field_def.type,
            {n: arg for n, arg in field_def.args.items() if n not in given_as_variables},
        )
        static = self._convert(
            get_argument_values(
                without_variables, FieldNode(name=node.name, arguments=tuple(literals))
            ),
            field,
        )
        general = self._arguments_from_variables(field_def, node, field)
        variables: list[tuple[str, str, Convert, bool]] = []
        for argument in given:
            if not isinstance(argument.value, VariableNode):
                continue
            python_name = graphql_names[argument.name.value]
            static.pop(python_name, None)
            non_null = isinstance(field_def.args[argument.name.value].type, GraphQLNonNull)
            variables.append(
                (
                    python_name,
                    argument.value.name.value,
                    converter(by_name[python_name].type, self.strawberry_schema),
                    non_null,
                )
            )

        def arguments(values: Any) -> dict[str, Any]:
            coerced = values.coerced
            kwargs: dict[str, Any] = {}
            for python_name, variable, convert, non_null in variables:
                if variable not in coerced:
                    return general(values)  # absent: graphql-core applies defaults, or refuses
                value = coerced[variable]
                if value is None and non_null:
                    return general(values)  # graphql-core's error
                kwargs[python_name] = convert(value)
            return kwargs

        return static, arguments

    def _graphql_name(self, argument: Any) -> str:
        name: str = self.strawberry_schema.config.name_converter.from_argument(argument)
        return name

    def _arguments_from_variables(
        self, field_def: GraphQLField, node: FieldNode, field: Any
    ) -> ArgumentsFromVariables:
        convert = self._convert

        def arguments(variables: Any) -> dict[str, Any]:
            assert isinstance(variables, VariableValues)
            return convert(get_argument_values(field_def, node, variables), field)

        return arguments

    def _convert(self, coerced: dict[str, Any], field: Any) -> dict[str, Any]:
        return internals.convert_arguments(self.strawberry_schema, coerced, field.arguments)

    def _completion(
        self, type_: GraphQLOutputType, details: list[_Detail], running: tuple[DeferUsage, ...]
    ) -> tuple[CompletionPlan, bool]:
        nullable = not isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            item, item_nullable = self._completion(inner.of_type, details, running)
            return ListPlan(item, item_nullable), nullable
        if is_leaf_type(inner):
            return LeafPlan(inner.name, serializer(inner), inline(inner)), nullable
        selection_sets = tuple(
            (node.selection_set, usage) for node, usage in details if node.selection_set
        )
        if isinstance(inner, GraphQLObjectType):
            return self.object_plan(inner, selection_sets, running), nullable
        assert isinstance(inner, GraphQLInterfaceType | GraphQLUnionType)
        return self._abstract_plan(inner, selection_sets, running), nullable

    def _abstract_plan(
        self,
        abstract: GraphQLAbstractType,
        selection_sets: _Sets,
        running: tuple[DeferUsage, ...],
    ) -> AbstractPlan:
        by_type: dict[str, ObjectPlan] = {}
        type_names: dict[type, str] = {}
        for object_type in self.schema.get_possible_types(abstract):
            plan = self.object_plan(object_type, selection_sets, running)
            by_type[object_type.name] = plan
            for cls in _value_classes(object_type):
                type_names[cls] = object_type.name
        return AbstractPlan(abstract.name, by_type, type_names)


def _called_inline(plan: FieldPlan, field_def: GraphQLField, function: Any) -> bool:
    """Whether the resolver is a plain function of the parent alone: no arguments, no info,
    neither a coroutine nor a generator."""
    return (
        not field_def.args
        and plan.info_keyword is None
        and plan.takes_source != (plan.source_keyword is not None)
        and inspect.isfunction(function)
        and not inspect.iscoroutinefunction(function)
        and not inspect.isgeneratorfunction(function)
        and not inspect.isasyncgenfunction(function)
    )


def _value_classes(object_type: GraphQLObjectType) -> tuple[type, ...]:
    """The classes ``object_type``'s values are known to have: the domain record classes its
    ``is_type_of`` lists as ``accepts`` (a type viewing records), else strawberry's class."""
    accepts = getattr(object_type.is_type_of, "accepts", None)
    if isinstance(accepts, tuple) and accepts:
        return accepts
    origin = getattr(internals.strawberry_definition(object_type), "origin", None)
    return (origin,) if isinstance(origin, type) else ()


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _variable_condition(directive: DirectiveNode) -> VariableNode | None:
    for argument in directive.arguments or ():
        if argument.name.value == "if" and isinstance(argument.value, VariableNode):
            return argument.value
    return None


def _reads_variables(node: Any) -> bool:
    """Whether a selection (or fragment) set uses a variable anywhere (arguments, directives)."""
    if node is None:
        return False
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, list | tuple):
        return any(_reads_variables(item) for item in node)
    if hasattr(node, "keys"):
        return any(_reads_variables(getattr(node, key, None)) for key in node.keys)
    return False


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(f.value) for f in value.fields)
    return False
