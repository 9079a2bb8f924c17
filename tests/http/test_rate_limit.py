"""Token buckets on a clock the test moves."""

from __future__ import annotations

from gateway.http.rate_limit import TokenBuckets, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_spends_its_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=4, burst=2, clock=clock)

    assert [buckets.take("k"), buckets.take("k")] == [0.0, 0.0]
    assert buckets.take("k") == 0.25  # a token every 1/4 s
    clock.now += 0.1
    assert round(buckets.take("k"), 6) == 0.15
    clock.now += 0.15
    assert buckets.take("k") == 0.0
    clock.now += 60  # never more than the burst
    assert [buckets.take("k") for _ in range(3)][-1] > 0


def test_keys_have_their_own_buckets() -> None:
    buckets = TokenBuckets(rate=1, burst=1, clock=Clock())

    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert [retry_after(w) for w in (0.01, 1.0, 1.2)] == ["1", "1", "2"]
