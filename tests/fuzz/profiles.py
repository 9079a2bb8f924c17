"""Hypothesis settings for the fuzz tests: a bounded, reproducible CI run or a long one.

CI (default): ``FUZZ_EXAMPLES`` unset, 150 examples per test, derandomized (the same inputs every
run), no example database (nothing written to ``.hypothesis/``).

Long run: ``FUZZ_EXAMPLES=20000 uv run pytest tests/fuzz`` — random inputs (pass
``--hypothesis-seed=N`` to replay a run), still without an example database.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 150


def fuzz_examples() -> int:
    """Examples per fuzz test: ``FUZZ_EXAMPLES`` when set, else the bounded CI figure."""
    return int(os.environ.get("FUZZ_EXAMPLES", CI_EXAMPLES))


def fuzz_settings(*, share: float = 1.0) -> settings:
    """Settings for one fuzz test; ``share`` scales the example count for costlier tests.

    Example::

        @fuzz_settings()
        @given(query=queries(SCHEMA))
        async def test_x(query): ...
    """
    long_run = "FUZZ_EXAMPLES" in os.environ
    return settings(
        max_examples=max(1, round(fuzz_examples() * share)),
        derandomize=not long_run,
        database=None,
        # One example is one HTTP request through the app: a slow one is a finding.
        deadline=timedelta(seconds=3),
        # The app (and its pool) is built once per test and shared by every example on purpose.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        print_blob=long_run,
    )
