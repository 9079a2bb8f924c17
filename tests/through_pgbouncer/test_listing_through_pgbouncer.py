"""The cart promotion listings,
again through a real PgBouncer 1.18 in transaction mode (see conftest.py).
"""

from tests.promotions.test_cart_promotions_listing import *  # noqa: F403
