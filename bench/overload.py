"""Latency of admitted and refused requests under overload, measured by the client.

wrk reports one latency distribution for every response; under overload most responses are fast
503s, which would hide what the admitted ones wait. This adds Lua to the wrk script: each request
carries an ``X-Request-ID`` (the gateway echoes it), its send time is kept, and every response
appends ``<status> <microseconds>`` to a file that ``read_latencies`` summarizes by status.

Example::

    split = measure_overload(url, bodies, headers, bound=64, workdir=tmp, duration_s=10)
    split.admitted_p99_ms, split.shed_share
    # -> (180.2, 0.87)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.wrk import run_wrk, write_script
from gateway.http.admission import RETRY_AFTER_S

OVERLOAD_FACTOR = 10


def latency_lua(*, backoff_ms: int = 0) -> str:
    """Lua appended to a ``lua_script``: per-request latency by status, to the file in args[1].

    ``backoff_ms`` > 0: after each 503 one connection waits that long before its next request,
    as a client honoring ``Retry-After`` does (wrk's ``delay()`` is not told which connection
    asks, so the waits are matched to 503s in number, not connection by connection). 0: every
    connection sends its next request at once, as a client with a retry loop and no backoff
    does (a buggy release, or anyone holding a storefront's public key). Run wrk with one
    thread: each thread would open the same file.
    """
    return (
        f"local backoff_ms = {int(backoff_ms)}\n"
        + """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } gateway_timespec;
int clock_gettime(int clock, gateway_timespec *now);
]]
local now_ts = ffi.new("gateway_timespec")
local function now_us()
  ffi.C.clock_gettime(1, now_ts)  -- CLOCK_MONOTONIC
  return tonumber(now_ts.tv_sec) * 1000000 + tonumber(now_ts.tv_nsec) / 1000
end
local body_request = request
local sent = {}
local sequence = 0
local out = nil
init = function(args)
  out = io.open(args[1], "w")
end
request = function()
  sequence = sequence + 1
  local id = "lat" .. sequence
  wrk.headers["X-Request-ID"] = id
  sent[id] = now_us()
  return body_request()
end
local backoffs_due = 0
if backoff_ms > 0 then
  delay = function()
    if backoffs_due > 0 then
      backoffs_due = backoffs_due - 1
      return backoff_ms
    end
    return 0
  end
end
response = function(status, headers, body)
  if status == 503 then
    backoffs_due = backoffs_due + 1
  end
  local id = headers["x-request-id"] or headers["X-Request-ID"]
  local started = id and sent[id]
  if started then
    sent[id] = nil
    out:write(status, " ", math.floor(now_us() - started), " ", math.floor(started), "\\n")
  end
end
"""
    )


@dataclass(frozen=True)
class LatencySplit:
    """Latency of admitted (200) and refused (503) responses of one run."""

    admitted: int
    statuses: dict[int, int]  # responses by status
    shed: int
    other: int
    admitted_rps: float
    admitted_p50_ms: float | None
    admitted_p99_ms: float | None
    shed_p99_ms: float | None

    @property
    def shed_share(self) -> float:
        """The share of responses refused with 503."""
        total = self.admitted + self.shed + self.other
        return self.shed / total if total else 0.0


def _percentile(sorted_us: list[int], share: float) -> float | None:
    if not sorted_us:
        return None
    return sorted_us[min(len(sorted_us) - 1, int(share * len(sorted_us)))] / 1000


def read_latencies(path: Path, *, duration_s: float, skip_s: float = 0.0) -> LatencySplit:
    """Summarize the ``<status> <microseconds> <sent at>`` lines the Lua wrote.

    Requests sent in the first ``skip_s`` seconds are left out: wrk opens every connection at
    once, and their first requests arrive as one burst.
    """
    rows = [line.split() for line in path.read_text().splitlines()]
    rows = [row for row in rows if len(row) == 3 and all(part.isdigit() for part in row)]
    first = min((int(row[2]) for row in rows), default=0)
    by_status: dict[int, list[int]] = {}
    for status, micros, sent in rows:
        if int(sent) - first >= skip_s * 1_000_000:
            by_status.setdefault(int(status), []).append(int(micros))
    duration_s -= skip_s
    statuses = {status: len(values) for status, values in sorted(by_status.items())}
    admitted = sorted(by_status.pop(200, []))
    shed = sorted(by_status.pop(503, []))
    others = Counter({status: len(values) for status, values in by_status.items()})
    return LatencySplit(
        admitted=len(admitted),
        statuses=statuses,
        shed=len(shed),
        other=sum(others.values()),
        admitted_rps=len(admitted) / duration_s,
        admitted_p50_ms=_percentile(admitted, 0.50),
        admitted_p99_ms=_percentile(admitted, 0.99),
        shed_p99_ms=_percentile(shed, 0.99),
    )


def measure_overload(
    url: str,
    bodies: Sequence[str],
    headers: Mapping[str, str],
    *,
    bound: int,
    workdir: Path,
    duration_s: float,
    backoff_ms: int = RETRY_AFTER_S * 1000,
    skip_s: float = 1.0,
    connections: int | None = None,
) -> LatencySplit:
    """One wrk run at ``OVERLOAD_FACTOR`` x ``bound`` connections, latency split by status.

    ``connections``: that many instead (the capacity run before a flood, at the bench's 50).
    """
    connections = connections or bound * OVERLOAD_FACTOR
    name = f"overload-{backoff_ms}-{connections}"
    script = write_script(
        workdir / f"{name}.lua", bodies, headers, extra=latency_lua(backoff_ms=backoff_ms)
    )
    out = workdir / f"{name}.latencies"
    run_s = max(1, round(duration_s + skip_s))  # wrk runs whole seconds
    run_wrk(url, script, duration_s=run_s, connections=connections, args=[str(out)])
    return read_latencies(out, duration_s=run_s, skip_s=skip_s)


def overload_figures(name: str, split: LatencySplit) -> dict[str, Any]:
    """The bench figures of one overload run, named ``<name>_...``."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        f"{name}_admitted_rps": round(split.admitted_rps, 1),
        f"{name}_admitted_p50_ms": rounded(split.admitted_p50_ms),
        f"{name}_admitted_p99_ms": rounded(split.admitted_p99_ms),
        f"{name}_shed_pct": round(100 * split.shed_share, 1),
        f"{name}_shed_p99_ms": rounded(split.shed_p99_ms),
        f"{name}_other_responses": split.other,
        f"{name}_statuses": {str(status): count for status, count in split.statuses.items()},
    }


def goodput_figures(capacity: LatencySplit, flood: LatencySplit) -> dict[str, Any]:
    """The flood's answers a second over the capacity measured just before, in the same run."""
    goodput = flood.admitted_rps / capacity.admitted_rps if capacity.admitted_rps else None
    return {
        "overload_capacity_rps": round(capacity.admitted_rps, 1),
        "overload_capacity_p99_ms": None
        if capacity.admitted_p99_ms is None
        else round(capacity.admitted_p99_ms, 1),
        "overload_flood_goodput": None if goodput is None else round(goodput, 3),
    }
