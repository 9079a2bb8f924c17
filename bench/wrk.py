"""Drive a server with ``wrk``: a Lua script cycling over prepared POST bodies, and its output
parsed into a ``WrkResult``.

Example::

    script = write_script(Path("/tmp/cart.lua"), bodies, {"Authorization": "Bearer gw_..."})
    result = run_wrk("http://127.0.0.1:8000/graphql", script, duration_s=10, connections=50)
    result.rps, result.p99_ms
    # -> (1234.5, 38.2)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import CommandError

WRK_CORE = "1"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^([\d.]+)(us|ms|s|m|h)$")


class WrkError(CommandError):
    """wrk is missing, failed, or printed something we cannot read."""


def require_wrk() -> None:
    """Check that wrk (and taskset, which pins it to its core) can run; WrkError saying how."""
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            raise WrkError(
                f"{tool} is not installed (the benchmark drives the load with it)",
                fix=f"install it (`sudo apt-get install -y {package}`) and run the command again",
            )


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    rps: float
    requests: int
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def _lua_string(text: str) -> str:
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def lua_script(bodies: Sequence[str], headers: Mapping[str, str], *, extra: str = "") -> str:
    """A wrk script that POSTs ``bodies`` in turn (each wrk thread cycles from its own start).

    ``extra`` is Lua appended as is (``delay``, ``response``, ``done`` callbacks).
    """
    if not bodies:
        raise ValueError("at least one body is needed")
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
    # Spaces inside the brackets: `t[[=[k]=]]` would open a long string instead.
    lines += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()]
    lines.append("local bodies = {")
    lines += [f"  {_lua_string(body)}," for body in bodies]
    lines += [
        "}",
        "local i = 0",
        "request = function()",
        "  i = i % #bodies + 1",
        "  return wrk.format(nil, nil, nil, bodies[i])",
        "end",
    ]
    return "\n".join(lines) + "\n" + extra


def write_script(
    path: Path, bodies: Sequence[str], headers: Mapping[str, str], *, extra: str = ""
) -> Path:
    """Write ``lua_script(bodies, headers, extra=extra)`` to ``path``; return the path."""
    path.write_text(lua_script(bodies, headers, extra=extra))
    return path


def duration_ms(text: str) -> float:
    """A wrk duration (``812.00us``, ``3.21ms``, ``1.02s``) in milliseconds.

    >>> duration_ms("812.00us")
    0.812
    """
    match = _DURATION.match(text.strip())
    if not match:
        raise WrkError(f"wrk: unexpected duration {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_output(output: str) -> WrkResult:
    """Read rps, latency percentiles (``--latency``) and error counts from wrk's output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    if not rps or not total or set(percentiles) != {"50", "75", "90", "99"}:
        raise WrkError(f"wrk: could not read its output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=duration_ms(percentiles["50"]),
        p75_ms=duration_ms(percentiles["75"]),
        p90_ms=duration_ms(percentiles["90"]),
        p99_ms=duration_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def wrk_command(
    url: str,
    script: Path,
    *,
    duration_s: float,
    connections: int,
    threads: int = 1,
    args: Sequence[str] = (),
) -> list[str]:
    """The wrk command line, pinned to the load generator's core with taskset.

    ``args`` reach the script's ``init(args)``.
    """
    return [
        "taskset", "-c", WRK_CORE, "wrk", f"-t{threads}", f"-c{connections}",
        f"-d{max(1, round(duration_s))}s", "--timeout", "10s", "--latency", "-s", str(script), url,
        *(["--", *args] if args else []),
    ]  # fmt: skip


def start_wrk(
    url: str,
    script: Path,
    *,
    duration_s: float,
    connections: int = 50,
    threads: int = 1,
    args: Sequence[str] = (),
) -> subprocess.Popen[str]:
    """Start wrk without waiting (its output arrives at the end: ``finish_wrk`` reads it)."""
    require_wrk()
    command = wrk_command(
        url, script, duration_s=duration_s, connections=connections, threads=threads, args=args
    )
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )


def finish_wrk(process: subprocess.Popen[str], *, duration_s: float) -> str:
    """Wait for a started wrk (killed by its PID if it overruns by 30 s); its standard output."""
    try:
        stdout, stderr = process.communicate(timeout=duration_s + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise WrkError(f"wrk did not finish within {duration_s + 30:.0f} s") from None
    if process.returncode != 0:
        raise WrkError(f"wrk failed ({process.returncode}): {stderr or stdout}")
    return stdout


def run_wrk(
    url: str,
    script: Path,
    *,
    duration_s: float,
    connections: int = 50,
    threads: int = 1,
    args: Sequence[str] = (),
) -> WrkResult:
    """One bounded wrk run (killed if it overruns its duration by 30 s)."""
    process = start_wrk(
        url, script, duration_s=duration_s, connections=connections, threads=threads, args=args
    )
    return parse_output(finish_wrk(process, duration_s=duration_s))
