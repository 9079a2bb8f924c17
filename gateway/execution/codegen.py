"""Python source written per object plan: the fields of a selection set completed inline.

A cart answer is hundreds of fields, most of them attributes holding a ``str``, an enum member or
a list of objects of one class. For each ``ObjectPlan`` one function is generated that reads
such fields and serializes them in straight-line code, in document order. Anything it does not
expect (a null in a non-null field, a value of another class, a serializer that raises, a
resolver) goes to the runner's general path for that one field, which gives graphql-core's
answer and errors: the generated code only ever takes the common case, never changes an answer.

A selection set made only of such fields (recursively) also gets a "pure" function, called
inline by its parents; it raises on anything unexpected and the parent's field is then redone
by the general path. A resolver that is a plain function of its parent alone (``called_inline``:
a record's id, say) counts as such a field: it is called as an attribute is read, and called
again by the general path when what it returned (or raised) is redone there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import Undefined

from gateway.execution.plan import FieldPlan, LeafPlan, ListPlan, ObjectPlan, Read

# (run, source, frame) -> the object's answer
ObjectCompleter = Callable[[Any, Any, Any], dict[str, Any]]
PureCompleter = Callable[[Any], dict[str, Any]]


class Redo(Exception):
    """The generated code met something it leaves to the general path."""


def _redo() -> Any:
    raise Redo


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"Redo": Redo, "_redo": _redo}

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)


def pure_completer(plan: ObjectPlan) -> PureCompleter | None:
    """A function completing ``plan`` for a value of its class, or None when ``plan`` is not
    made only of attributes (and ``__typename``) down to its leaves."""
    if plan.origin is None or not all(_pure_field(f) for f in plan.fields):
        return None
    writer = _Writer()
    writer.line(0, "def pure(s):")
    writer.line(1, "r = {}")
    for field in plan.fields:
        _write_pure_field(writer, field, plan, depth=1)
    writer.line(1, "return r")
    return _compiled(writer, "pure")


class ResolverPath(NamedTuple):
    """The runner's steps for a resolver field, called by generated code around its inline
    completion: ``call(run, field, source, frame)`` returns the resolver's value,
    ``resolved(run, field, answer, frame, value)`` completes a value the generated code does not
    expect (an awaitable, another class, a null in a non-null field), ``failed(run, field,
    answer, frame, error)`` records what the resolver raised; ``info(run, field, frame)`` is the
    ``info`` a resolver without arguments is called with directly."""

    call: Callable[..., Any]
    resolved: Callable[..., Any]
    failed: Callable[..., Any]
    info: Callable[..., Any]


def object_completer(
    plan: ObjectPlan, general: Callable[..., Any], resolvers: ResolverPath | None = None
) -> ObjectCompleter:
    """A function completing ``plan``: inline where it can, ``general(run, field, plan, source,
    answer, frame)`` for a field it leaves to the runner.

    With ``resolvers``, a resolver field whose completion is inline (a leaf, a pure object, a
    list of either) calls its resolver through ``resolvers.call`` and completes the value
    inline; the resolver is never called twice for one field.
    """
    writer = _Writer()
    general_name = writer.bind("general_", general)
    plan_name = writer.bind("plan_", plan)
    writer.line(0, "def complete(run, s, frame):")
    writer.line(1, "r = {}")
    writer.line(1, "if frame is not None: frame.value = r")
    for field in plan.fields:
        if field.read is Read.TYPENAME:
            writer.line(1, f"r[{field.key!r}] = {plan.type_name!r}")
            continue
        field_name = writer.bind("field_", field)
        if resolvers is not None and field.read is Read.RESOLVER and _inline_completion(field):
            _write_resolver_field(writer, field, field_name, resolvers)
            continue
        if not _pure_field(field):
            writer.line(1, f"{general_name}(run, {field_name}, {plan_name}, s, r, frame)")
            continue
        writer.line(1, "try:")
        _write_pure_field(writer, field, plan, depth=2)
        writer.line(1, "except Exception:")
        writer.line(2, f"{general_name}(run, {field_name}, {plan_name}, s, r, frame)")
    writer.line(1, "return r")
    return _compiled(writer, "complete")


def _write_resolver_field(
    writer: _Writer, field: FieldPlan, field_name: str, resolvers: ResolverPath
) -> None:
    call = writer.bind("call_", resolvers.call)
    resolved = writer.bind("resolved_", resolvers.resolved)
    failed = writer.bind("failed_", resolvers.failed)
    writer.line(1, "try:")
    if not field.static_arguments and field.arguments_from_variables is None:
        info = None
        if field.info_keyword is not None:
            info = f"{writer.bind('info_', resolvers.info)}(run, {field_name}, frame)"
        writer.line(2, f"v = {_direct_call(writer, field, info)}")
    else:
        writer.line(2, f"v = {call}(run, {field_name}, s, frame)")
    writer.line(1, "except Exception as e:")
    writer.line(2, f"{failed}(run, {field_name}, r, frame, e)")
    writer.line(1, "else:")
    writer.line(2, "try:")
    _write_value(writer, field, depth=3)
    writer.line(2, "except Exception:")
    writer.line(3, f"{resolved}(run, {field_name}, r, frame, v)")


def _inline_completion(field: FieldPlan) -> bool:
    completion = field.completion
    if isinstance(completion, ListPlan):
        completion = completion.item
    if isinstance(completion, LeafPlan):
        return True
    return isinstance(completion, ObjectPlan) and completion.pure is not None


def _pure_field(field: FieldPlan) -> bool:
    if field.read is Read.TYPENAME:
        return True
    read_inline = field.read is Read.ATTRIBUTE or field.called_inline
    return read_inline and _inline_completion(field)


def _direct_call(writer: _Writer, field: FieldPlan, info: str | None = None) -> str:
    """The call of a resolver without arguments on the parent ``s``, as ``Run.call`` makes it
    (``info``: the expression of its ``info``, when it takes one)."""
    resolver = writer.bind("resolver_", field.resolver)
    passed = ["s"] if field.takes_source else []
    if info is not None:
        passed.append(f"{field.info_keyword}={info}")
    if field.source_keyword is not None:
        passed.append(f"{field.source_keyword}=s")
    return f"{resolver}({', '.join(passed)})"


def _write_pure_field(writer: _Writer, field: FieldPlan, parent: ObjectPlan, depth: int) -> None:
    key = repr(field.key)
    if field.read is Read.TYPENAME:
        writer.line(depth, f"r[{key}] = {parent.type_name!r}")
        return
    if field.called_inline:
        writer.line(depth, f"v = {_direct_call(writer, field)}")
    else:
        writer.line(depth, f"v = s.{field.attribute}")
    _write_value(writer, field, depth)


def _write_value(writer: _Writer, field: FieldPlan, depth: int) -> None:
    """``r[key]`` set from ``v``, the field's value (raising Redo on a surprise)."""
    key = repr(field.key)
    writer.line(depth, "if v is None:")
    writer.line(depth + 1, f"r[{key}] = None" if field.nullable else "raise Redo")
    writer.line(depth, "else:")
    completion = field.completion
    if isinstance(completion, ListPlan):
        writer.line(depth + 1, "if type(v) is not list: raise Redo")
        # An empty list (most of a cart's limit levels) without a comprehension's frame.
        item = _value(writer, completion.item, "x")
        writer.line(depth + 1, f"r[{key}] = [{item} for x in v] if v else []")
    else:
        assert completion is not None
        writer.line(depth + 1, f"r[{key}] = {_value(writer, completion, 'v')}")


def _value(writer: _Writer, completion: Any, name: str) -> str:
    """An expression completing the non-null ``name`` (raising Redo on a surprise)."""
    if isinstance(completion, LeafPlan):
        return _leaf(writer, completion, name)
    assert isinstance(completion, ObjectPlan) and completion.pure is not None
    origin = writer.bind("origin_", completion.origin)
    pure = writer.bind("pure_", completion.pure)
    return f"({pure}({name}) if type({name}) is {origin} else _redo())"


def _leaf(writer: _Writer, leaf: LeafPlan, name: str) -> str:
    """An expression serializing ``name`` as ``leaf`` does, with no call in the common case."""
    serialize = writer.bind("serialize_", leaf.serialize)
    inline = leaf.inline
    if inline is None:
        return f"{serialize}({name})"
    if inline.kind == "plain":
        cls = writer.bind("class_", inline.data)
        return f"({name} if type({name}) is {cls} else {serialize}({name}))"
    if inline.kind == "int32":
        bounds = writer.bind("range_", inline.data)
        return f"({name} if type({name}) is int and {name} in {bounds} else {serialize}({name}))"
    result = writer.bind("c_", None)  # a name of its own for the walrus target
    if inline.kind == "enum":
        names = writer.bind("names_", inline.data)
        return (
            f"({result} if ({result} := {names}.get(id({name}))) is not None"
            f" else {serialize}({name}))"
        )
    coerce = writer.bind("coerce_", inline.data)
    undefined = writer.bind("undefined_", Undefined)
    return (
        f"({result} if ({result} := {coerce}({name})) is not None"
        f" and {result} is not {undefined} else _redo())"
    )


def _compiled(writer: _Writer, name: str) -> Callable[..., Any]:
    source = "\n".join(writer.lines)
    namespace = dict(writer.names)
    exec(compile(source, f"<plan {name}>", "exec"), namespace)
    function = namespace[name]
    function.source = source
    return function  # type: ignore[no-any-return]
