"""wrk paced to a fixed rate, the way ``gateway bench`` measures latency at 80 % of a scenario's
maximum and the soak holds the gateway: ``delay()`` keeps each connection on a schedule,
``response()`` counts non-2xx answers and GraphQL errors, ``done()`` prints the counts.

Example::

    script = write_script(path, bodies, headers, extra=paced_lua(400, 50))
    non_2xx, graphql_errors, first_error = parse_counts(run_output)
"""

from __future__ import annotations

import re

from bench.wrk import WrkError

_COUNTS = re.compile(r"^soak-counts non_2xx=(\d+) graphql_errors=(\d+)$", re.M)
_FIRST_ERROR = re.compile(r"^soak-first-error (.*)$", re.M)


def connection_interval_ms(target_rps: float, connections: int) -> float:
    """How often each connection sends at ``target_rps``: connections x 1000 / target_rps ms.

    >>> connection_interval_ms(400, 50)
    125.0
    """
    if target_rps <= 0 or connections <= 0:
        raise ValueError("target_rps and connections must be positive")
    return connections * 1000 / target_rps


def paced_lua(target_rps: float, connections: int) -> str:
    """wrk callbacks for the soak: ``delay()`` paces, ``response()`` counts, ``done()`` prints.

    Each connection waits connections x 1000 / target_rps ms per request, counted on a schedule
    (LuaJIT's ffi clock) rather than from when its last response arrived: a fixed wait after each
    response would send less than the target by the response time. A schedule that has fallen
    behind restarts from now instead of bursting to catch up, so a slow server shows as an
    achieved rate below the target.
    """
    interval = connection_interval_ms(target_rps, connections)
    return f"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct {{ long tv_sec; long tv_nsec; }} soak_timespec;
int clock_gettime(int clock_id, soak_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("soak_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- connections x 1000 / target_rps: each connection's interval between requests
local connection_interval_ms = {interval!r}
local connections = {connections}
local send_every_ms = connection_interval_ms / connections
local next_send_ms = nil

delay = function()
  local now = now_ms()
  if next_send_ms == nil or next_send_ms < now then
    next_send_ms = now
  end
  next_send_ms = next_send_ms + send_every_ms
  return math.floor(next_send_ms - now)
end

""" + error_counting_lua()


def error_counting_lua() -> str:
    """wrk callbacks alone: ``response()`` counts non-2xx answers and GraphQL errors, ``done()``
    prints them (``parse_counts`` reads them back); no pacing."""
    return """
non_2xx = 0
graphql_errors = 0
first_error = ""

response = function(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  elseif body ~= nil and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  else
    return
  end
  if first_error == "" then
    -- From the errors member when there is one: a partial answer starts with its data.
    local at = body and string.find(body, '"errors"', 1, true) or 1
    first_error = status .. " " .. string.sub(body or "", at, at + 300):gsub("%s+", " ")
  end
end

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local bad_status, bad_body, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    bad_status = bad_status + thread:get("non_2xx")
    bad_body = bad_body + thread:get("graphql_errors")
    if sample == "" then sample = thread:get("first_error") end
  end
  io.write(string.format("soak-counts non_2xx=%d graphql_errors=%d\\n", bad_status, bad_body))
  if sample ~= "" then io.write("soak-first-error " .. sample .. "\\n") end
end
"""


def parse_counts(output: str) -> tuple[int, int, str]:
    """(non_2xx, graphql_errors, first error) from the line ``done()`` printed."""
    match = _COUNTS.search(output)
    if match is None:
        raise WrkError(f"wrk: the soak script printed no counts:\n{output}")
    first = _FIRST_ERROR.search(output)
    return int(match.group(1)), int(match.group(2)), first.group(1) if first else ""
