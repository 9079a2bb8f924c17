"""Redemptions (transactions, row locks, idempotency, every limit level),
again through a real PgBouncer 1.18 in transaction mode (see conftest.py).
"""

from tests.promotions.test_redeem_cart_promotion import *  # noqa: F403
