"""Progress of long work: plain periodic lines off a terminal, a tqdm bar on one."""

from __future__ import annotations

import io

from gateway.observability.progress import progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as ``sys.stderr`` does at a console."""

    def isatty(self) -> bool:
        return True


def test_off_a_terminal_progress_is_plain_lines_with_rate_and_time_left() -> None:
    stream = io.StringIO()
    with progress("dataset: customers", 100, "customers", stream=stream, interval_s=0) as bar:
        bar.advance(25, rows=150)
        bar.advance(25, rows=300)

    lines = stream.getvalue().splitlines()
    assert lines[0] == "dataset: customers: 100 customers to do"
    assert lines[1].startswith("dataset: customers: 25/100 customers (25%), 150 rows, ")
    assert "customers/s" in lines[1] and " so far, about " in lines[1]
    assert lines[1].endswith(" left")
    assert lines[2].startswith("dataset: customers: 50/100 customers (50%), 300 rows, ")
    assert lines[-1].startswith("dataset: customers: 50 customers, 300 rows in ")
    assert "\r" not in stream.getvalue()


def test_off_a_terminal_lines_are_periodic_not_one_per_item() -> None:
    stream = io.StringIO()
    with progress("work", 10_000, "items", stream=stream, interval_s=3600) as bar:
        for _ in range(10_000):
            bar.advance()

    assert stream.getvalue().splitlines() == [
        "work: 10,000 items to do",
        "work: 10,000 items in 0 s",
    ]


def test_steps_are_named_as_they_start() -> None:
    stream = io.StringIO()
    with progress("migrations", 2, "migrations", stream=stream) as bar:
        bar.note("001_core")
        bar.advance()
        bar.note("010_promotions")
        bar.advance()

    assert stream.getvalue().splitlines()[1:3] == [
        "migrations [1/2]: 001_core",
        "migrations [2/2]: 010_promotions",
    ]


def test_at_a_terminal_progress_is_a_bar() -> None:
    stream = Terminal()
    with progress("build", 100, "items", stream=stream) as bar:
        bar.note("part 1")
        bar.advance(100, rows=600)

    shown = stream.getvalue()
    assert "\r" in shown  # redrawn in place
    assert "build: part 1: 100%" in shown and "100/100" in shown and "600 rows" in shown
