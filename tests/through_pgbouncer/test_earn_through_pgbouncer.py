"""Issuing and earning cart promotions,
again through a real PgBouncer 1.18 in transaction mode (see conftest.py).
"""

from tests.promotions.test_issue_and_earn import *  # noqa: F403
