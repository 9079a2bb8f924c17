"""Offer events and fulfillments,
again through a real PgBouncer 1.18 in transaction mode (see conftest.py).
"""

from tests.offers.test_offer_feedback import *  # noqa: F403
