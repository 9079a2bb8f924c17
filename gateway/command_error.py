"""A problem the person running a ``gateway`` command can fix, told in one line.

``gateway.cli.main`` prints ``gateway <command>: <problem>: <fix>`` on standard error and exits
with ``status``: no traceback, since nothing in one would help. Raise it where the problem is
found, with the exact fix (a command to run, a setting to change).

>>> raise CommandError("wrk is not installed", fix="run `sudo apt-get install -y wrk`")
Traceback (most recent call last):
gateway.command_error.CommandError: wrk is not installed: run `sudo apt-get install -y wrk`
"""

from __future__ import annotations


class CommandError(Exception):
    """What went wrong and how to fix it; ``status`` is the process's exit status."""

    def __init__(self, problem: str, *, fix: str = "", status: int = 1) -> None:
        super().__init__(f"{problem}: {fix}" if fix else problem)
        self.problem = problem
        self.fix = fix
        self.status = status
