"""Who a request acts as: the scopes and brands of its API key."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.errors import ErrorCode, GatewayError


class Scope(StrEnum):
    """What a key may do."""

    READ = "read"  # personalizedOffers, cartPromotions
    WRITE = "write"  # offer events, fulfillments, redemptions
    ADMIN = "admin"  # load, issue, earn, explain
    ROUTER = "router"  # _service and _entities, for the federation router


@dataclass(frozen=True)
class Principal:
    """The caller: a key's scopes and brands. ``brand_ids`` None means every brand.

    >>> Principal("k1", frozenset({Scope.READ}), ("acme",)).require(Scope.WRITE, "recordOfferEvent")
    Traceback (most recent call last):
    gateway.errors.GatewayError: recordOfferEvent: this API key lacks the 'write' scope
    """

    key_id: str
    scopes: frozenset[Scope]
    brand_ids: tuple[str, ...] | None

    def require(self, scope: Scope, field: str) -> None:
        """Raise FORBIDDEN unless the key has ``scope``; the message names ``field``."""
        if scope not in self.scopes:
            raise GatewayError(
                ErrorCode.FORBIDDEN, f"{field}: this API key lacks the '{scope.value}' scope"
            )

    def may_see_brand(self, brand_id: str) -> bool:
        """True when the key covers ``brand_id``."""
        return self.brand_ids is None or brand_id in self.brand_ids


# Development mode without a key: everything, every brand (announced loudly at start).
DEVELOPMENT = Principal("development", frozenset(Scope), None)
