"""``@defer`` in compiled plans: deferred fields run after the initial part, as in graphql-core.

graphql-core 3.3 (graphql-js 17's algorithm) collects every field with the ``@defer`` fragment it
sits in. At each object, the fields its part sends run at once; the others form *execution
groups*, keyed by the set of fragments that want them (a field both deferred and not is sent
once, with the initial part; one in two sibling fragments runs once, for both). Each object where
a fragment opens gets a *delivery group* (the fragment at that path: one pending id).

The compiler works the split out once (``split_deferred``, ``DeferSite`` in the plan). At run time
``deferring_completer`` makes the delivery groups and execution groups graphql-core makes, in its
order, and ``incremental_result`` hands them to graphql-core's own scheduler and publisher: the
ids, paths, labels, ``subPath`` s, batches and failures of the later parts are graphql-core's.
Each execution group runs when the scheduler starts it, in a ``Run`` of its own (its errors, its
nulls stopping at the group: a null reaching it fails the whole fragment, as graphql-core does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from graphql.pyutils import AbortSignal, Path

from gateway.execution.internals import (
    Computation,
    DeliveryGroup,
    ExecutionGroup,
    ExecutionGroupValue,
    IncrementalPublisher,
    Work,
    WorkResult,
)
from gateway.execution.plan import DeferredFields, DeferUsage, ObjectPlan
from gateway.execution.runner import Run, _dead, _Frame, _Null, document_position

Fields = dict[str, list[tuple[Any, DeferUsage | None]]]
Complete = Any  # (run, source, frame) -> dict


def split_deferred(
    fields: Fields, running: tuple[DeferUsage, ...]
) -> tuple[Fields, list[tuple[tuple[DeferUsage, ...], Fields]]]:
    """graphql-core's ``build_execution_plan``: the fields sent with the part that runs
    ``running`` (the initial part: none), and the others grouped by the fragments that want them.

    >>> from graphql import parse
    >>> deferred = DeferUsage("later", None, parse("{ a @defer }").definitions[0])
    >>> now, later = split_deferred({"a": [(1, None)], "b": [(2, deferred), (3, None)],
    ...                              "c": [(4, deferred)]}, ())
    >>> list(now), [(len(u), list(f)) for u, f in later]
    (['a', 'b'], [(1, ['c'])])
    """
    if not running and all(u is None for details in fields.values() for _, u in details):
        return fields, []
    now: Fields = {}
    later: dict[frozenset[int], tuple[tuple[DeferUsage, ...], Fields]] = {}
    for key, details in fields.items():
        usages = _filtered(details)
        if len(usages) == len(running) and all(any(u is r for r in running) for u in usages):
            now[key] = details
            continue
        later.setdefault(frozenset(map(id, usages)), (usages, {}))[1][key] = details
    return now, list(later.values())


def _filtered(details: list[tuple[Any, DeferUsage | None]]) -> tuple[DeferUsage, ...]:
    """The fragments a field is deferred by: none if one of its nodes is not deferred, and
    without those inside another of the set."""
    usages: list[DeferUsage] = []
    for _, usage in details:
        if usage is None:
            return ()
        if not any(usage is u for u in usages):
            usages.append(usage)
    kept = []
    for usage in usages:
        parent = usage.parent
        while parent is not None and not any(parent is u for u in usages):
            parent = parent.parent
        if parent is None:
            kept.append(usage)
    return tuple(kept)


class _Later:
    """A run's ``@defer`` state: what it made, in graphql-core's order (``Run.deferred``)."""

    __slots__ = ("base_groups", "frames", "groups", "paths", "request", "tasks")

    def __init__(self, run: Run, base_groups: dict[Any, Any] | None = None) -> None:
        # What a group's own run needs of this one (held apart from the run: no cycle).
        self.request = (
            run.schema, run.operation, run.variables, run.context, run.root_value, run.fragments,
        )  # fmt: skip
        self.base_groups = base_groups or {}  # the delivery groups open at the run's top
        self.groups: list[DeliveryGroup] = []
        self.tasks: list[ExecutionGroup] = []
        self.frames: list[_Frame | None] = []  # each task's object
        self.paths: dict[_Frame, Path | None] = {}  # the objects' parents' paths


def _later(run: Run) -> _Later:
    later: _Later | None = run.deferred
    if later is None:
        later = run.deferred = _Later(run)
    return later


def later_work(run: Run) -> tuple[list[Any], list[Any]] | None:
    """The delivery groups and execution groups ``run`` made, without those under a place
    nulled since (graphql-core drops them); None when no execution group is left."""
    later: _Later | None = run.deferred
    if later is None:
        return None
    tasks = [
        task for task, frame in zip(later.tasks, later.frames, strict=True) if not _dead(frame)
    ]
    return (later.groups, tasks) if tasks else None


def deferring_completer(plan: ObjectPlan, complete: Complete) -> Complete:
    """``plan``'s completion wrapped: the fragments opening at the object get their delivery
    groups (before its fields run, so nested ones find their parent), the deferred fields their
    execution groups (after, as graphql-core appends them)."""
    site = plan.defer
    assert site is not None and complete is not None
    opened_usages = site.opened
    deferred = site.later

    def deferring(run: Run, source: Any, frame: _Frame | None) -> dict[str, Any]:
        later = _later(run)
        groups = _groups_at(later, frame)
        path = _path(later, frame)
        if opened_usages:
            groups = dict(groups)
            for usage in opened_usages:
                parent = None if usage.parent is None else groups[usage.parent]
                groups[usage] = DeliveryGroup(path, usage.label, parent)
            if frame is None:
                later.base_groups = groups
            else:
                frame.groups = groups
        data: dict[str, Any] = complete(run, source, frame)
        if opened_usages:
            later.groups.extend([groups[usage] for usage in opened_usages])
        for fields in deferred:
            delivery_groups = [groups[u] for u in fields.usages]
            task = _GroupTask(later.request, fields, delivery_groups, source, path, groups)
            later.tasks.append(ExecutionGroup(delivery_groups, Computation(task), path))
            later.frames.append(frame)
        return data

    return deferring


def _groups_at(later: _Later, frame: _Frame | None) -> dict[Any, Any]:
    while frame is not None:
        if frame.groups is not None:
            return frame.groups
        frame = frame.parent
    return later.base_groups


def _path(later: _Later, frame: _Frame | None) -> Path | None:
    """The object's path, its parent's made once per run (the items of a list share it)."""
    if frame is None:
        return None
    parent = frame.parent
    if parent is None:
        return Path(None, frame.key, None)
    paths = later.paths
    above = paths.get(parent)
    if above is None:
        above = paths[parent] = _path(later, parent)
    return Path(above, frame.key, None)


_HELD = object()
_Request = tuple[Any, Any, Any, Any, Any, Any]


class _GroupTask:
    """One execution group: its fields run on the object, in a run of their own."""

    __slots__ = ("delivery_groups", "fields", "groups", "path", "request", "source")

    def __init__(
        self,
        request: _Request,
        fields: DeferredFields,
        delivery_groups: list[DeliveryGroup],
        source: Any,
        path: Path | None,
        groups: dict[Any, Any],
    ) -> None:
        self.request = request
        self.fields = fields
        self.delivery_groups = delivery_groups
        self.source = source
        self.path = path
        self.groups = groups

    def __call__(self) -> WorkResult | Awaitable[WorkResult]:
        """Run the fields: the part at once when no read waits, else a coroutine."""
        schema, operation, variables, context, root_value, fragments = self.request
        run = Run(schema, operation, variables, context, root_value)
        run.fragments = fragments
        run.deferred = _Later(run, self.groups)
        keys = self.path.as_list() if self.path is not None else []
        top = _top_frame(keys)
        try:
            data = run._object(self.fields.plan, self.source, top)
        except _Null:
            raise _fatal(run) from None
        if top is not None:
            top.container[top.key] = data
        if run.pending:
            return self._later(run, keys, data)
        return self._result(run, keys, data)

    async def _later(self, run: Run, keys: list[str | int], data: dict[str, Any]) -> WorkResult:
        try:
            await run._settle()
        except asyncio.CancelledError:  # the scheduler gave up (the client left)
            run._abandon()
            raise
        if run.data_nulled:
            raise _fatal(run)
        return self._result(run, keys, data)

    def _result(self, run: Run, keys: list[str | int], data: dict[str, Any]) -> WorkResult:
        errors = run.errors
        if len(errors) > 1:
            depth = len(keys)
            errors = sorted(errors, key=lambda e: document_position(data, (e.path or ())[depth:]))
        value = ExecutionGroupValue(self.delivery_groups, keys, data, errors or None)
        work = later_work(run)
        return WorkResult(value, None if work is None else Work(work[0], work[1]))


def _top_frame(keys: list[str | int]) -> _Frame | None:
    """Frames for the object's path: paths and infos as in the initial part, but a null stops
    at the group (none of them is nullable, and each holds itself)."""
    frame = None
    for key in keys:
        frame = _Frame(frame, {key: _HELD}, key, False)
        frame.value = _HELD
    return frame


def _fatal(run: Run) -> GraphQLError:
    fatal = run.fatal or (run.errors[-1] if run.errors else None)
    run._abandon()
    return fatal or GraphQLError("a deferred fragment failed")


class _Publishing:
    """What graphql-core's publisher asks of its executor; plans have nothing to cancel (the
    scheduler aborts the groups themselves)."""

    abort_signal: AbortSignal | None = None

    def abort_error(self) -> Exception:
        return RuntimeError("the operation was aborted")

    async def cancel_incremental_work(self, reason: BaseException | None = None) -> None:
        return None

    def run_async_work_finished_hook(self) -> None:
        return None


def incremental_result(
    data: dict[str, Any], errors: list[GraphQLError], later: tuple[list[Any], list[Any]]
) -> ExperimentalIncrementalExecutionResults:
    """The initial part (``data``, ``errors`` and the pending fragments) and the later parts, as
    graphql-core's publisher builds them from the run's groups (``later_work``)."""
    groups, tasks = later
    return IncrementalPublisher().build_response(
        data, errors or None, Work(groups, tasks), _Publishing()
    )
