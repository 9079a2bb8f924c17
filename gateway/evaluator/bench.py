"""A synthetic catalog and the evaluator benchmark behind ``gateway bench-evaluator``.

Plays and subjects are drawn from a seeded random generator, shaped like real catalogs: most plays
target a few plans, many a language or countries, some a device type, tenure, a custom score or
earlier dismissals. Figures are wall-clock times of ``evaluate`` (facts included), per request.

It stays in the package, unlike the full benchmark (``bench/``, a source checkout's only): it
times the pure evaluator alone, so it needs no dataset, database, wrk or Node project, and a user
can check an installed evaluator's speed on their own machine.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from gateway.evaluator.device import device_from_user_agent
from gateway.evaluator.evaluate import evaluate
from gateway.evaluator.index import PlayIndex
from gateway.evaluator.models import Play
from gateway.evaluator.rules import compile_audience
from gateway.evaluator.subject import Customer, EndUser, History, RequestInfo, Subject, Subscription

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PLANS = [f"plan-{i}" for i in range(30)]
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "ja", "ko", "zh"]
COUNTRIES = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "SE", "PL", "JP", "KR", "CN", "CA"]
DEVICES = ["desktop", "mobile", "tablet"]
ROLES = ["admin", "billing", "member", "owner", "viewer"]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
]


def _cond(prop: str, op: str, value: object) -> dict[str, object]:
    return {"property": prop, "operator": op, "value": value}


def synthetic_play(rng: random.Random, number: int, brand_id: str = "bench") -> Play:
    """One random play of ``brand_id``."""
    conditions: list[dict[str, object]] = []
    if rng.random() < 0.8:
        conditions.append(_cond("subscription.plan", "in", rng.sample(PLANS, rng.randint(1, 3))))
    if rng.random() < 0.5:
        conditions.append(_cond("request.language", "eq", rng.choice(LANGUAGES)))
    if rng.random() < 0.4:
        conditions.append(_cond("customer.country", "in", rng.sample(COUNTRIES, rng.randint(1, 4))))
    if rng.random() < 0.3:
        conditions.append(_cond("device.type", "eq", rng.choice(DEVICES)))
    if rng.random() < 0.5:
        conditions.append(_cond("subscription.tenure_days", "gte", rng.randint(0, 720)))
    if rng.random() < 0.2:
        low = rng.randint(0, 80)
        conditions.append(_cond("custom.score", "between", [low, low + 20]))
    if rng.random() < 0.3:
        conditions.append(
            {
                "any": [
                    _cond("history.dismissed_count", "lt", 3),
                    _cond("user.roles", "contains", rng.choice(ROLES)),
                ]
            }
        )
    return Play(
        id=f"play-{number:05d}",
        brand_id=brand_id,
        offer_id=f"offer-{number % 50}",
        audience=compile_audience({"all": conditions}),
        priority=rng.randint(0, 100),
        traffic_bp=rng.choice([10_000, 10_000, 5_000]),
        cooldown=timedelta(days=7),
    )


def synthetic_subject(rng: random.Random, number: int, brand_id: str = "bench") -> Subject:
    """One random subject of ``brand_id`` (a user agent parsed through the cache)."""
    language = rng.choice(LANGUAGES)
    return Subject(
        customer=Customer(
            id=f"customer-{number}", country=rng.choice(COUNTRIES), created_at=NOW - timedelta(400)
        ),
        subscription=Subscription(
            id=f"sub-{number}",
            brand_id=brand_id,
            plan_id=rng.choice(PLANS),
            status="active",
            started_at=NOW - timedelta(days=rng.randint(0, 900)),
            amount=19.0,
        ),
        user=EndUser(f"user-{number}", tuple(rng.sample(ROLES, rng.randint(0, 2)))),
        device=device_from_user_agent(rng.choice(USER_AGENTS)),
        request=RequestInfo(locale=language, language=language),
        custom={"score": rng.randint(0, 100)},
        history=History(dismissed_count=rng.randint(0, 4)),
    )


@dataclass(frozen=True)
class Figure:
    """Timing of one catalog size, in milliseconds per request."""

    plays: int
    median_ms: float
    p99_ms: float
    offers_found: float  # share of requests that got an offer
    explain_median_ms: float  # explain mode: every play checked and described, no index
    explain_p99_ms: float


def _time_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.99) - 1)]


def run_benchmark(
    sizes: tuple[int, ...] = (100, 1_000, 10_000), requests: int = 2_000
) -> list[Figure]:
    """Median and p99 of one ``evaluate`` call for catalogs of each size.

    >>> run_benchmark((100,), requests=100)[0].plays
    100
    """
    figures = []
    for size in sizes:
        rng = random.Random(size)
        index = PlayIndex(synthetic_play(rng, i) for i in range(size))
        subjects = [synthetic_subject(rng, i) for i in range(requests)]
        found = sum(evaluate(index, s, NOW).play is not None for s in subjects)  # also warms up
        median, p99 = _percentiles([_time_ms(partial(evaluate, index, s, NOW)) for s in subjects])
        explain_median, explain_p99 = _percentiles(
            [_time_ms(partial(evaluate, index, s, NOW, explain=True)) for s in subjects[:100]]
        )
        figures.append(Figure(size, median, p99, found / requests, explain_median, explain_p99))
    return figures


def user_agent_costs(repeat: int = 2_000) -> tuple[float, float]:
    """Median ms of parsing a user agent: first time (cache miss) and cached."""
    misses = [
        _time_ms(partial(device_from_user_agent, f"{USER_AGENTS[i % 3]} bench/{i}"))
        for i in range(200)
    ]
    hits = [_time_ms(partial(device_from_user_agent, USER_AGENTS[0])) for _ in range(repeat)]
    return statistics.median(misses), statistics.median(hits)


def report(sizes: tuple[int, ...] = (100, 1_000, 10_000), requests: int = 2_000) -> str:
    """The benchmark as a small table, for ``gateway bench-evaluator``."""
    lines = [
        f"evaluate(): {requests} requests per catalog, one brand, ms per request",
        f"{'plays':>7} {'median':>8} {'p99':>8} {'offered':>8}   explain: {'median':>8} {'p99':>8}",
    ]
    for f in run_benchmark(sizes, requests):
        lines.append(
            f"{f.plays:>7} {f.median_ms:>8.3f} {f.p99_ms:>8.3f} {f.offers_found:>8.0%}"
            f"            {f.explain_median_ms:>8.3f} {f.explain_p99_ms:>8.3f}"
        )
    miss, hit = user_agent_costs()
    lines.append(f"user agent parse: {miss:.3f} ms uncached, {hit * 1000:.2f} us cached (LRU)")
    return "\n".join(lines)
