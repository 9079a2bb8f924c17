"""The response cache's hit rate, read from a running gateway's /metrics."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Mapping

from bench.servers import Server

CACHE_HITS = "gateway_response_cache_hits_total"
CACHE_MISSES = "gateway_response_cache_misses_total"


def metric_total(text: str, name: str) -> float | None:
    """The value of an unlabelled sample ``name`` in Prometheus text, None when absent.

    >>> metric_total("# HELP x\\nx_total 12.0\\n", "x_total")
    12.0
    """
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def cache_hit_pct(
    before: tuple[float, float] | None, after: tuple[float, float] | None
) -> float | None:
    """Response-cache hits between two (hits, misses) readings, in % (None: unknown)."""
    if before is None or after is None:
        return None
    hits, misses = after[0] - before[0], after[1] - before[1]
    return round(hits / (hits + misses) * 100, 1) if hits + misses > 0 else None


def cache_counts(server: Server, headers: Mapping[str, str]) -> tuple[float, float] | None:
    """The response cache's (hits, misses) from the server's /metrics (None: unknown)."""
    request = urllib.request.Request(server.url("/metrics"), headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
    except (OSError, urllib.error.URLError):
        return None
    hits, misses = metric_total(text, CACHE_HITS), metric_total(text, CACHE_MISSES)
    return None if hits is None or misses is None else (hits, misses)
