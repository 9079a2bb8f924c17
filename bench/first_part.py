"""Time to the first part of a deferred cart answer, over the time of the listing alone.

A storefront shows a customer's cart promotions at once and their restrictions and supplementary
programs when they come (``@defer``). Deferring must not slow the first paint: the median time
until the first part of the deferred answer has arrived, over the median time of the listing
query without those subfields, should stay <= 1.1.

Sequential requests on one keep-alive connection (a bounded number, no load generator): each
customer is asked both queries once (response-cache misses), and which one goes first alternates
so neither always meets a cold database page.
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench import scenarios
from bench.shape import Shape, customer_id

_LISTING_FIELDS = """
    promotionId promotionName customerId validTill earnedType earnedStatus promotionStatus
    milestoneId targetGroupId applicationMode customFieldValues eventTime
"""
_LIMIT = "level kpi maxLimit remainingRedemption productSku categoryId"
_LAZY_FIELDS = f"""
    restrictions {{
      cart {{ {_LIMIT} }} customer {{ {_LIMIT} }} promotion {{ {_LIMIT} }}
      product {{ {_LIMIT} }} category {{ {_LIMIT} }}
    }}
    supplementaryCriteria {{ loyaltyProgramId programType partnerProgramId }}
"""
LISTING = f"""
query Listing($customerId: ID!) {{
  cartPromotions(customerId: $customerId, includeSupplementary: true) {{ {_LISTING_FIELDS} }}
}}
"""
DEFERRED_CART = f"""
query DeferredCart($customerId: ID!) {{
  cartPromotions(customerId: $customerId, includeSupplementary: true) {{
    {_LISTING_FIELDS}
    ... @defer(label: "lazy") {{ {_LAZY_FIELDS} }}
  }}
}}
"""
MULTIPART_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"
# The delimiter that closes a part (the boundary the gateway announces is "-").
_PART_END = b"\r\n---"
GOAL = 1.1


class FirstPartError(RuntimeError):
    """An answer was not what the measurement needs (an error, no multipart)."""


def _time_listing(conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    conn.request("POST", "/graphql", body, {**headers, "Accept": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200 or b'"errors"' in answer:
        raise FirstPartError(f"listing: HTTP {response.status}: {answer[:200]!r}")
    return elapsed


def _time_first_part(
    conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
) -> float:
    started = time.perf_counter()
    conn.request("POST", "/graphql", body, {**headers, "Accept": MULTIPART_ACCEPT})
    response = conn.getresponse()
    if not (response.getheader("Content-Type") or "").startswith("multipart/mixed"):
        raise FirstPartError(f"deferred cart: not multipart: {response.read()[:200]!r}")
    received = b""
    while _PART_END not in received:
        chunk = response.read1(65536)
        if not chunk:
            raise FirstPartError("deferred cart: the answer ended before its first part")
        received += chunk
    elapsed = time.perf_counter() - started
    rest = received + response.read()  # drain: the connection serves the next request
    if b'"errors"' in rest or b'"hasNext":false' not in rest:
        raise FirstPartError(f"deferred cart: incomplete or failed: {rest[-300:]!r}")
    return elapsed


def measure_first_part(
    url: str, shape: Shape, headers: Mapping[str, str], *, requests: int = 100, warmup: int = 10
) -> dict[str, Any]:
    """The figures: medians of both (ms), their ratio, how many requests each.

    ``requests`` customers are asked both queries after ``warmup`` others (bounded: at most
    2 x (requests + warmup) sequential requests).
    """
    address = urlsplit(url)
    customers = list(scenarios.sample_customers(shape, requests + warmup))
    conn = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    listing_s: list[float] = []
    first_part_s: list[float] = []
    base = {"Content-Type": "application/json", **headers}
    try:
        for index, number in enumerate(customers):
            variables = {"customerId": customer_id(number)}
            listing = orjson.dumps({"query": LISTING, "variables": variables})
            deferred = orjson.dumps({"query": DEFERRED_CART, "variables": variables})
            if index % 2:
                first = _time_first_part(conn, deferred, base)
                plain = _time_listing(conn, listing, base)
            else:
                plain = _time_listing(conn, listing, base)
                first = _time_first_part(conn, deferred, base)
            if index >= warmup:
                listing_s.append(plain)
                first_part_s.append(first)
    finally:
        conn.close()
    listing_ms = statistics.median(listing_s) * 1000
    first_ms = statistics.median(first_part_s) * 1000
    return {
        "defer_listing_p50_ms": round(listing_ms, 3),
        "defer_first_part_p50_ms": round(first_ms, 3),
        "defer_first_part_over_listing": round(first_ms / listing_ms, 3),
        "defer_requests": len(first_part_s),
    }
