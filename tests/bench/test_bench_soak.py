"""``gateway bench --soak``: the paced Lua script, the verdict, the figures and their JSON line."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from bench.cache_counts import cache_hit_pct, metric_total
from bench.pacing import connection_interval_ms, paced_lua, parse_counts
from bench.report import json_line
from bench.shape import Shape
from bench.soak import (
    JSON_KEYS,
    Sample,
    mix_bodies,
    rss_growth,
    soak_figures,
    table,
    verdict,
)
from bench.wrk import WrkError, finish_wrk, lua_script, start_wrk, write_script
from tests.provision import require_tool

WRK_OUTPUT = """Running 5m test @ http://127.0.0.1:8123/graphql
  1 threads and 50 connections
  Latency Distribution
     50%    4.10ms
     75%    6.00ms
     90%    9.00ms
     99%   31.50ms
  95400 requests in 5.00m, 90.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 1
  Non-2xx or 3xx responses: 2
Requests/sec:    318.00
Transfer/sec:    307.20KB
soak-counts non_2xx=2 graphql_errors=3
soak-first-error 200 {"data":null,"errors":[{"message":"boom"}]}
"""

SAMPLES = [Sample(0, 90.0, 2.0), Sample(60, 100.0, 2.5), Sample(300, 104.0, 3.1)]


def test_paced_script_waits_connections_x_1000_over_target_ms_and_counts_errors() -> None:
    assert connection_interval_ms(400, 50) == 125.0
    extra = paced_lua(400, 50)
    script = lua_script(['{"query":"{ __typename }"}'], {"Authorization": "Bearer k"}, extra=extra)
    assert script.endswith(extra)
    assert "local connection_interval_ms = 125.0\n" in script
    assert "local connections = 50\n" in script
    assert "delay = function()" in script
    assert "response = function(status, headers, body)" in script
    assert "if status < 200 or status > 299 then" in script  # non-2xx
    assert "string.find(body, '\"errors\"', 1, true)" in script  # GraphQL errors come with 200
    assert "done = function(summary, latency, requests)" in script
    assert 'thread:get("graphql_errors")' in script
    with pytest.raises(ValueError):
        connection_interval_ms(0, 50)


def test_verdict_needs_no_error_little_growth_and_the_target_rate() -> None:
    def passed(errors: int = 0, growth: float = 9.9, achieved: float = 95.0) -> bool:
        return verdict(
            errors=errors, rss_growth_pct=growth, achieved_rps=achieved, target_rps=100.0
        )

    assert passed() is True
    assert passed(errors=1) is False
    assert passed(growth=10.0) is False
    assert passed(growth=math.nan) is False
    assert passed(achieved=94.9) is False


def test_rss_growth_starts_after_the_first_minute_or_at_the_first_sample() -> None:
    assert rss_growth(SAMPLES) == (100.0, 104.0, 4.0)
    assert rss_growth([Sample(0, 80.0, 1), Sample(30, 84.0, 1)]) == (80.0, 84.0, 5.0)
    assert all(math.isnan(x) for x in rss_growth([]))
    # Warm once every body has been sent: a cache filling until then is not growth.
    filling = [
        Sample(0, 90.0, 1),
        Sample(60, 100.0, 1),
        Sample(120, 150.0, 1),
        Sample(300, 152.0, 1),
    ]
    assert rss_growth(filling) == (100.0, 152.0, 52.0)
    assert rss_growth(filling, warm_after_s=110) == (150.0, 152.0, 1.33)


def test_figures_have_every_json_key_first_and_count_every_kind_of_error() -> None:
    figures = soak_figures(seconds=300, target_rps=320.0, output=WRK_OUTPUT, samples=SAMPLES)
    parsed = orjson.loads(json_line(figures))
    assert list(parsed)[: len(JSON_KEYS)] == list(JSON_KEYS)
    assert (parsed["non_2xx"], parsed["graphql_errors"], parsed["socket_errors"]) == (2, 3, 1)
    assert parsed["errors"] == 6
    assert parsed["passed"] is False
    assert parsed["achieved_rps"] == 318.0
    assert parsed["p99_ms"] == 31.5
    assert parsed["rss_growth_pct"] == 4.0
    assert '"errors"' in parsed["first_error"]
    assert "passed                                 NO" in table(figures)


def test_parse_counts_refuses_output_without_the_done_line() -> None:
    assert parse_counts(WRK_OUTPUT)[:2] == (2, 3)
    with pytest.raises(WrkError):
        parse_counts("Requests/sec: 1.0\n")


def test_mix_is_personalized_and_cart_in_turn_with_a_few_typename() -> None:
    bodies = mix_bodies(Shape.at(0.01), count=8)
    queries = [orjson.loads(b)["query"] for b in bodies]
    assert len(bodies) == 18
    assert sum("personalizedOffers" in q for q in queries) == 8
    assert sum("cartPromotions" in q for q in queries) == 8
    assert queries[8] == queries[17] == "{ __typename }"


def test_cache_hits_are_read_from_prometheus_text() -> None:
    text = (
        "# TYPE gateway_response_cache_hits_total counter\ngateway_response_cache_hits_total 30.0\n"
    )
    assert metric_total(text, "gateway_response_cache_hits_total") == 30.0
    assert metric_total(text, "gateway_response_cache_misses_total") is None
    assert cache_hit_pct((10.0, 10.0), (40.0, 100.0)) == 25.0
    assert cache_hit_pct(None, (1.0, 1.0)) is None


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits 40 ms for a delayed ACK

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status, answer = 200, b'{"data":{"ok":true}}'
        if b"bad-status" in body:
            status, answer = 500, b'{"errors":[{"message":"down"}]}'
        elif b"bad-graphql" in body:
            answer = b'{"data":null,"errors":[{"message":"boom"}]}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()


def test_wrk_runs_the_paced_script_at_the_target_and_counts_errors(
    answering_server: str, tmp_path: Path
) -> None:
    require_tool("wrk", "wrk")
    bodies = ['{"q":"fine"}'] * 8 + ['{"q":"bad-status"}', '{"q":"bad-graphql"}']
    script = write_script(tmp_path / "soak.lua", bodies, {}, extra=paced_lua(100, 4))
    process = start_wrk(answering_server, script, duration_s=2, connections=4)
    output = finish_wrk(process, duration_s=2)
    non_2xx, graphql_errors, first = parse_counts(output)
    requests = int(output.split(" requests in ")[0].split()[-1])
    assert 180 <= requests <= 215  # 100 rps for 2 s
    assert non_2xx >= requests // 10 - 2
    assert graphql_errors >= requests // 10 - 2
    assert first
