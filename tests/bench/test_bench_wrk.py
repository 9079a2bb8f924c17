"""wrk's output parser and the Lua script the benchmark generates."""

from __future__ import annotations

import pytest

from bench.wrk import WrkError, duration_ms, lua_script, parse_output

OUTPUT = """Running 10s test @ http://127.0.0.1:8123/graphql
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.20ms    5.10ms  92.00ms   80.00%
    Req/Sec     1.60k   100.00     1.80k    70.00%
  Latency Distribution
     50%  812.00us
     75%   35.10ms
     90%   40.00ms
     99%    1.02s
  16034 requests in 10.01s, 3.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   1601.83
Transfer/sec:    327.10KB
"""


def test_parse_output_reads_rps_percentiles_and_errors() -> None:
    result = parse_output(OUTPUT)
    assert result.rps == 1601.83
    assert result.requests == 16034
    assert result.p50_ms == pytest.approx(0.812)
    assert result.p75_ms == pytest.approx(35.1)
    assert result.p99_ms == pytest.approx(1020.0)
    assert (result.non_2xx, result.socket_errors) == (7, 5)


def test_parse_output_without_errors_counts_zero() -> None:
    clean = "\n".join(
        line for line in OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )
    result = parse_output(clean)
    assert (result.non_2xx, result.socket_errors) == (0, 0)


def test_parse_output_refuses_what_it_cannot_read() -> None:
    with pytest.raises(WrkError):
        parse_output("unable to connect to 127.0.0.1:1 Connection refused")
    with pytest.raises(WrkError):
        duration_ms("12 parsecs")


def test_lua_script_cycles_over_bodies_with_headers() -> None:
    script = lua_script(['{"query":"{ a }"}', "tricky ]] and ]=] inside"], {"Authorization": "B x"})
    # A long bracket right after `[` would open a string: keys keep a space.
    assert "wrk.headers[ [=[Authorization]=] ] = [=[B x]=]" in script
    assert '[=[{"query":"{ a }"}]=],' in script
    assert "[==[tricky ]] and ]=] inside]==]," in script
    assert "i = i % #bodies + 1" in script
    with pytest.raises(ValueError):
        lua_script([], {})
