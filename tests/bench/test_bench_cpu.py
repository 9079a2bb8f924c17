"""CPU time read from /proc for a real process tree: a child's CPU counts for its parent while it
runs and after it has ended."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.cpu import ProcessGone, cpu_ms_per_answer, process_cpu_s, tree_cpu_s

# The child burns 0.4 s of CPU, says so, lingers 2 s; the parent waits for it, then sleeps.
CHILD = """
import sys, time
from pathlib import Path
end = time.process_time() + 0.4
while time.process_time() < end:
    pass
Path(sys.argv[1]).write_text("burnt")
time.sleep(2)
"""
PARENT = """
import subprocess, sys, time
subprocess.run([sys.executable, "-c", sys.argv[1], sys.argv[2]], check=True)
time.sleep(30)
"""


def test_a_childs_cpu_counts_for_its_parent_while_it_runs_and_after_it_ended(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "burnt"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, str(marker)])
    try:
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert time.monotonic() < deadline, "the child did not burn its CPU in time"
            time.sleep(0.05)
        # While the child lives: its CPU is in the tree's, not in the parent's own.
        assert process_cpu_s(parent.pid) < 0.3
        running = tree_cpu_s(parent.pid)
        assert 0.4 <= running < 1.5
        # Once it has ended and been waited for: in the parent's ended children (cutime).
        while psutil.Process(parent.pid).children():
            assert time.monotonic() < deadline + 10, "the child did not end"
            time.sleep(0.1)
        assert process_cpu_s(parent.pid, with_ended_children=True) >= 0.4
        assert tree_cpu_s(parent.pid) >= running - 0.01
    finally:
        parent.kill()
        parent.wait(timeout=10)
    try:
        tree_cpu_s(parent.pid)
    except ProcessGone:
        pass
    else:
        raise AssertionError("an ended process must not read as zero CPU")


def test_cpu_per_answer_is_none_without_answers() -> None:
    assert cpu_ms_per_answer(0.25, 0) is None
    assert cpu_ms_per_answer(0.25, 100) == 2.5
