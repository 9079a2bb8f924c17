"""Process CPU time from ``/proc``: what a server spent, to divide by the answers it gave.

A server's CPU is its own ``utime + stime`` (``/proc/PID/stat``, fields 14 and 15) plus that of
every live descendant (uvicorn's workers, a Node server's forks), plus the ``cutime + cstime``
its descendants left when they ended. Read before and after a load run, the difference divided by
the answers is the server's CPU per answered request, which does not depend on whether PostgreSQL
or wrk held the shared core meanwhile (requests/s does).

Example::

    before = tree_cpu_s(server.process.pid)
    result = run_wrk(...)
    cpu_ms_per_answer(tree_cpu_s(server.process.pid) - before, result.requests - result.non_2xx)
    # -> 1.93
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class ProcessGone(RuntimeError):
    """The process to read has ended."""


def _stat_fields(pid: int) -> list[str]:
    """``/proc/PID/stat`` from field 3 on (after the command, which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError) as exc:
        raise ProcessGone(f"process {pid} has ended") from exc
    return text[text.rindex(")") + 2 :].split()


def process_cpu_s(pid: int, *, with_ended_children: bool = False) -> float:
    """``utime + stime`` of ``pid`` in seconds (and ``cutime + cstime``, the CPU of its ended
    children, when ``with_ended_children``).

    >>> process_cpu_s(os.getpid()) > 0
    True
    """
    fields = _stat_fields(pid)
    # Fields 14-17 (utime, stime, cutime, cstime) sit at 11-14 once the first two are cut.
    ticks = int(fields[11]) + int(fields[12])
    if with_ended_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS_PER_S


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of ``pid``, its live descendants and its ended children together.

    ``ProcessGone`` when ``pid`` itself has ended; a descendant ending meanwhile is skipped.
    """
    total = process_cpu_s(pid, with_ended_children=True)
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess as exc:
        raise ProcessGone(f"process {pid} has ended") from exc
    for child in descendants:
        try:
            total += process_cpu_s(child.pid)
        except ProcessGone:
            continue
    return total


def cpu_ms_per_answer(cpu_s: float, answers: int) -> float | None:
    """Milliseconds of CPU per answer (None when nothing was answered).

    >>> cpu_ms_per_answer(1.5, 1000)
    1.5
    """
    if answers <= 0:
        return None
    return round(cpu_s * 1000 / answers, 4)
