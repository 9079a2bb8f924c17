"""Progress of long work (the bench's dataset, ``gateway load``, ``migrate``) on standard error.

At a terminal: a tqdm bar (done / total, rate, time left) that log lines scroll above. Anywhere
else (CI, a pipe, a file): a line at the start, then at most one every ``interval_s`` seconds,
then one at the end, so a log shows the work moving without a line per item. Those lines are log
records (logger ``gateway.progress``, INFO), so a piped log stays one format: JSON lines, or text
with ``GATEWAY_LOG_FORMAT=text``. A ``stream`` given explicitly gets them as plain lines.

A status line reads ``dataset: customers: 10,000/100,000 customers (10%), 61,480 rows, 9,874
customers/s, 1 s so far, about 9 s left``. With a stream of its own:

>>> import io
>>> shown = io.StringIO()
>>> with progress("load", total=3, unit="steps", stream=shown, interval_s=3600) as bar:
...     bar.note("read catalog.yaml")
...     bar.advance()
>>> print(shown.getvalue(), end="")
load: 3 steps to do
load [1/3]: read catalog.yaml
load: 1 steps in 0 s
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TextIO

INTERVAL_S = 5.0

logger = logging.getLogger("gateway.progress")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s"


class Progress:
    """Counts work done; ``note`` names the item at hand (a migration, a step)."""

    def __init__(self, label: str, total: int, unit: str) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.rows: int | None = None
        self.started = time.monotonic()

    def advance(self, count: int = 1, *, rows: int | None = None) -> None:
        """``count`` more items done; ``rows``: the total rows written so far, if counted."""
        self.done += count
        if rows is not None:
            self.rows = rows

    def note(self, text: str) -> None:
        """Say what is being done now (shown at once)."""

    def finish(self) -> None:
        """The work is over (called on leaving ``progress``)."""


class LineProgress(Progress):
    """Lines, each handed to ``write``: when work starts, every ``interval_s`` seconds, and when
    it ends."""

    def __init__(
        self, label: str, total: int, unit: str, write: Callable[[str], None], interval_s: float
    ) -> None:
        super().__init__(label, total, unit)
        self._print = write
        self.interval_s = interval_s
        self.last_line = self.started
        self._print(f"{label}: {total:,} {unit} to do")

    def status(self) -> str:
        """Done / total, share, rows, rate and time left, as one line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        share = self.done / self.total if self.total else 1.0
        text = f"{self.label}: {self.done:,}/{self.total:,} {self.unit} ({share:.0%})"
        if self.rows is not None:
            text += f", {self.rows:,} rows"
        rate = self.done / elapsed
        if rate >= 1:  # a rate of whole steps per second says little about slow steps
            text += f", {rate:,.0f} {self.unit}/s"
        text += f", {_duration(elapsed)} so far"
        if 0 < self.done < self.total:
            text += f", about {_duration((self.total - self.done) / rate)} left"
        return text

    def advance(self, count: int = 1, *, rows: int | None = None) -> None:
        """Count, and print the status when ``interval_s`` has passed since the last line."""
        super().advance(count, rows=rows)
        now = time.monotonic()
        if now - self.last_line >= self.interval_s:
            self.last_line = now
            self._print(self.status())

    def note(self, text: str) -> None:
        """Print ``label [n/total]: text`` at once."""
        self._print(f"{self.label} [{self.done + 1}/{self.total}]: {text}")

    def finish(self) -> None:
        """One last line: how much, in how long."""
        elapsed = time.monotonic() - self.started
        rows = f", {self.rows:,} rows" if self.rows is not None else ""
        self._print(f"{self.label}: {self.done:,} {self.unit}{rows} in {_duration(elapsed)}")


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, io.UnsupportedOperation):
        return 0


class BarProgress(Progress):
    """A tqdm bar on a terminal."""

    def __init__(self, label: str, total: int, unit: str, stream: TextIO) -> None:
        from tqdm import tqdm  # imported here: only a terminal needs it

        super().__init__(label, total, unit)
        sized = _columns(stream) > 0  # a terminal with no size (some CI consoles): 80 columns
        self.bar = tqdm(
            total=total,
            desc=label,
            unit=f" {unit}",
            file=stream,
            dynamic_ncols=sized,
            ncols=None if sized else 80,
        )

    def advance(self, count: int = 1, *, rows: int | None = None) -> None:
        """Move the bar; show the rows beside it."""
        super().advance(count, rows=rows)
        if rows is not None:
            self.bar.set_postfix_str(f"{rows:,} rows", refresh=False)
        self.bar.update(count)

    def note(self, text: str) -> None:
        """Show ``text`` after the label."""
        self.bar.set_description_str(f"{self.label}: {text}")

    def finish(self) -> None:
        """Leave the finished bar on the screen."""
        self.bar.close()


def _logged(line: str) -> None:
    logger.info(line)


def _printed(stream: TextIO, line: str) -> None:
    print(line, file=stream, flush=True)


@contextmanager
def progress(
    label: str,
    total: int,
    unit: str,
    *,
    stream: TextIO | None = None,
    interval_s: float = INTERVAL_S,
) -> Iterator[Progress]:
    """A bar when ``stream`` (default: standard error) is a terminal; otherwise lines, logged
    (INFO, ``gateway.progress``) when no stream is given, printed to ``stream`` when one is."""
    write = _logged if stream is None else partial(_printed, stream)
    stream = sys.stderr if stream is None else stream
    if stream.isatty():
        from tqdm.contrib.logging import logging_redirect_tqdm

        bar = BarProgress(label, total, unit, stream)
        with logging_redirect_tqdm():
            try:
                yield bar
            finally:
                bar.finish()
        return
    lines = LineProgress(label, total, unit, write, interval_s)
    try:
        yield lines
    finally:
        lines.finish()
