"""Deterministic traffic buckets: the same (play, customer, end user) always lands in one bucket.

blake2b keyed by a purpose ("split" or "holdout") makes the two draws independent; Python's
``hash()`` would change with every process (hash randomisation), so it is never used here.
"""

from __future__ import annotations

from hashlib import blake2b

from gateway.evaluator.models import BASIS_POINTS

SPLIT = b"split"
HOLDOUT = b"holdout"


def bucket(purpose: bytes, play_id: str, customer_id: str, external_user_id: str | None) -> int:
    """A stable number in ``[0, 10000)`` for this play and user.

    >>> bucket(SPLIT, "p1", "c1", None) == bucket(SPLIT, "p1", "c1", None)
    True
    """
    key = "\x1f".join((play_id, customer_id, external_user_id or "")).encode()
    digest = blake2b(key, digest_size=8, person=purpose).digest()
    return int.from_bytes(digest, "big") % BASIS_POINTS


def in_share(
    purpose: bytes, share_bp: int, play_id: str, customer_id: str, external_user_id: str | None
) -> bool:
    """True when this user falls inside a share of ``share_bp`` basis points (10000 = all)."""
    if share_bp >= BASIS_POINTS:
        return True
    if share_bp <= 0:
        return False
    return bucket(purpose, play_id, customer_id, external_user_id) < share_bp
