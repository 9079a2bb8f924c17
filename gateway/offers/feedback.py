"""What customers do with a decision: offer events and fulfillments (REFERENCE A, C.8).

Every call starts from a personalizedOfferId (a signed decision token, ``tokens.verify``), so
nothing about the decision has to be stored when it is served.

- ``record_event``: VIEWED or DISMISSED (ACCEPTED is written by ``create_fulfillment``).
- ``create_fulfillment``: one per decision (a retry with the same option returns it; another option
  is a CONFLICT), refused with LIMIT_EXCEEDED once the play's accept limit is reached.
- ``update_fulfillment``: COMPLETED, or FAILED with a reason, once, for URL_REDIRECT, WEBHOOK and
  EMAIL options (billing updates and checkouts are completed by the billing system). A fulfillment
  left in progress for 7 days reads as FAILED / FULFILLMENT_EXPIRED and can no longer be updated.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from gateway.auth.principal import Scope
from gateway.auth.scoping import require_fulfillment_access, require_play_access
from gateway.db import Record
from gateway.errors import ErrorCode, GatewayError, bad_input
from gateway.identity import global_id, parse_global_id
from gateway.offers.ports import OffersRequest
from gateway.offers.tokens import DecisionClaims, decision_key, signing_keys, verify

FULFILLMENT_TIMEOUT = timedelta(days=7)
CLIENT_UPDATABLE = ("url_redirect", "webhook", "email")
CLIENT_FAILURE_CODES = (
    "billing_update_failed",
    "checkout_abandoned",
    "external_fulfillment_failed",
    "internal_error",
)
MAX_FAILURE_MESSAGE = 500


@dataclass(frozen=True)
class EventRecord:
    """A recorded offer event."""

    id: str
    type: str
    occurred_at: datetime


@dataclass(frozen=True)
class FulfillmentRecord:
    """A fulfillment as clients see it at ``now`` (expiry applied)."""

    id: str
    play_id: str
    offer_id: str
    option_id: str
    processing_type: str
    redirect_url: str | None
    status: str
    failure_code: str | None
    failure_message: str | None
    created_at: datetime
    updated_at: datetime


def fulfillment_global_id(customer_id: str, fulfillment_id: uuid.UUID) -> str:
    """The global id of a fulfillment (``gateway.identity``); it carries the customer id, the
    shard key."""
    return global_id("OfferFulfillment", customer_id, str(fulfillment_id))


def parse_fulfillment_id(value: str, field: str = "id") -> tuple[str, uuid.UUID]:
    """(customer id, fulfillment uuid) from a fulfillment id; BAD_USER_INPUT when malformed.

    Also accepts the ids handed out before global ids: urlsafe base64 of ``customer/uuid``.
    """
    key = parse_global_id(value)
    try:
        if key is not None and key.type_name == "OfferFulfillment":
            customer_id, raw = key.parts
        else:
            decoded = base64.urlsafe_b64decode(value.encode())
            customer_id, raw = decoded.decode().rsplit("/", 1)
        return customer_id, uuid.UUID(raw)
    except (ValueError, binascii.Error, UnicodeError):
        raise bad_input(field, "not an offer fulfillment id") from None


def _fulfillment(row: Record, now: datetime) -> FulfillmentRecord:
    status, code = row["status"], row["failure_code"]
    if status == "in_progress" and now >= row["created_at"] + FULFILLMENT_TIMEOUT:
        status, code = "failed", "fulfillment_expired"
    return FulfillmentRecord(
        id=fulfillment_global_id(row["customer_id"], row["fulfillment_id"]),
        play_id=row["play_id"],
        offer_id=row["offer_id"],
        option_id=row["option_id"],
        processing_type=row["processing_type"],
        redirect_url=row["redirect_url"],
        status=status,
        failure_code=code,
        failure_message=row["failure_message"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _claims(ctx: OffersRequest, token: str, field: str = "personalizedOfferId") -> DecisionClaims:
    return verify(token, signing_keys(ctx.settings), now=ctx.now, field=field)


def _gone(field: str) -> GatewayError:
    return GatewayError(
        ErrorCode.NOT_FOUND, f"{field}: the customer or play of this decision no longer exists"
    )


async def record_event(ctx: OffersRequest, token: str, event_type: str) -> EventRecord:
    """Record that the decision's offer was viewed or dismissed.

    Example, in a resolver::

        await record_event(ctx, offer_id, "dismissed")
    """
    claims = _claims(ctx, token)
    await require_play_access(ctx, Scope.WRITE, claims.play_id, "personalizedOfferId")
    ctx.cache.wrote_customers((claims.customer_id,))
    occurred_at = max(ctx.now, claims.issued_at)
    try:
        # Once per decision and type: a retry returns the first record (no double count).
        row = await ctx.db.fetchrow(
            """INSERT INTO offer_events (customer_id, type, play_id, offer_id, external_user_id,
                                         decision_key, decided_at, occurred_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (customer_id, decision_key, type)
                  DO UPDATE SET type = EXCLUDED.type
               RETURNING event_id, occurred_at""",
            claims.customer_id,
            event_type,
            claims.play_id,
            claims.offer_id,
            claims.external_user_id,
            decision_key(token),
            claims.issued_at,
            occurred_at,
        )
    except asyncpg.exceptions.ForeignKeyViolationError:
        raise _gone("personalizedOfferId") from None
    assert row is not None
    return EventRecord(str(row["event_id"]), event_type, row["occurred_at"])


_SELECT_FULFILLMENT = """
SELECT customer_id, fulfillment_id, play_id, offer_id, option_id, processing_type::text,
       redirect_url, status::text, failure_code::text, failure_message, created_at, updated_at
  FROM offer_fulfillments
"""


async def create_fulfillment(ctx: OffersRequest, token: str, option_id: str) -> FulfillmentRecord:
    """Accept the decision's offer with one of its options: ACCEPTED event + IN_PROGRESS record."""
    claims = _claims(ctx, token)
    await require_play_access(ctx, Scope.WRITE, claims.play_id, "personalizedOfferId")
    ctx.cache.wrote_customers((claims.customer_id,))
    key = decision_key(token)
    now = max(ctx.now, claims.issued_at)
    async with ctx.db.connection() as conn, conn.transaction():
        # Serialise a customer's accepts, so the accept limit holds under concurrency.
        if not await conn.fetchval(
            "SELECT true FROM customers WHERE customer_id = $1 FOR UPDATE", claims.customer_id
        ):
            raise _gone("personalizedOfferId")
        existing = await conn.fetchrow(
            _SELECT_FULFILLMENT + " WHERE customer_id = $1 AND decision_key = $2",
            claims.customer_id,
            key,
        )
        if existing is not None:
            if existing["option_id"] != option_id:
                raise GatewayError(
                    ErrorCode.CONFLICT,
                    f"optionId: this offer was already accepted with option "
                    f"{existing['option_id']!r}",
                )
            return _fulfillment(existing, ctx.now)
        option = await conn.fetchrow(
            """SELECT o.processing_type::text, o.redirect_url, p.max_accepts_per_customer,
                      (SELECT count(*) FROM offer_events e
                        WHERE e.customer_id = $1 AND e.play_id = $2 AND e.type = 'accepted')
                          AS accepted
                 FROM plays p
                 JOIN offer_options o ON o.offer_id = $3 AND o.option_id = $4
                WHERE p.play_id = $2""",
            claims.customer_id,
            claims.play_id,
            claims.offer_id,
            option_id,
        )
        if option is None:
            raise bad_input("optionId", f"offer {claims.offer_id!r} has no option {option_id!r}")
        limit = option["max_accepts_per_customer"]
        if limit is not None and option["accepted"] >= limit:
            raise GatewayError(
                ErrorCode.LIMIT_EXCEEDED,
                f"personalizedOfferId: this offer can be accepted {limit} time(s) per customer",
            )
        row = await conn.fetchrow(
            """INSERT INTO offer_fulfillments (customer_id, decision_key, play_id, offer_id,
                   external_user_id, option_id, processing_type, redirect_url, created_at,
                   updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
               RETURNING customer_id, fulfillment_id, play_id, offer_id, option_id,
                         processing_type::text, redirect_url, status::text, failure_code::text,
                         failure_message, created_at, updated_at""",
            claims.customer_id,
            key,
            claims.play_id,
            claims.offer_id,
            claims.external_user_id,
            option_id,
            option["processing_type"],
            option["redirect_url"],
            now,
        )
        await conn.execute(
            """INSERT INTO offer_events (customer_id, type, play_id, offer_id, external_user_id,
                                         decision_key, decided_at, occurred_at)
               VALUES ($1, 'accepted', $2, $3, $4, $5, $6, $7)""",
            claims.customer_id,
            claims.play_id,
            claims.offer_id,
            claims.external_user_id,
            key,
            claims.issued_at,
            now,
        )
    assert row is not None
    return _fulfillment(row, ctx.now)


# $1 customer ids, $2 fulfillment uuids (same length).
_FULFILLMENTS_BY_KEY = """
SELECT k.ord, f.customer_id, f.fulfillment_id, f.play_id, f.offer_id, f.option_id,
       f.processing_type::text, f.redirect_url, f.status::text, f.failure_code::text,
       f.failure_message, f.created_at, f.updated_at, p.brand_id
  FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS k(customer_id, fulfillment_id, ord)
  JOIN offer_fulfillments f USING (customer_id, fulfillment_id)
  JOIN plays p ON p.play_id = f.play_id
"""


async def fetch_fulfillments(
    ctx: OffersRequest, keys: list[tuple[str, uuid.UUID]]
) -> list[tuple[FulfillmentRecord, str] | None]:
    """Each (customer, fulfillment) key's fulfillment and its play's brand, in key order (None
    when there is none): one round trip, whatever the number of keys. Checks no access.

    Example, in a resolver::

        [(record, brand_id)] = await fetch_fulfillments(ctx, [("demo-b2c", fulfillment_id)])
    """
    rows = await ctx.db.fetch(_FULFILLMENTS_BY_KEY, [k[0] for k in keys], [k[1] for k in keys])
    found: list[tuple[FulfillmentRecord, str] | None] = [None] * len(keys)
    for row in rows:
        found[row["ord"] - 1] = (_fulfillment(row, ctx.now), row["brand_id"])
    return found


async def get_fulfillment(ctx: OffersRequest, global_id: str) -> FulfillmentRecord | None:
    """A fulfillment as it reads now (expiry applied), or None when there is no such one."""
    customer_id, fulfillment_id = parse_fulfillment_id(global_id)
    await require_fulfillment_access(ctx, Scope.READ, customer_id, fulfillment_id, "id")
    row = await ctx.db.fetchrow(
        _SELECT_FULFILLMENT + " WHERE customer_id = $1 AND fulfillment_id = $2",
        customer_id,
        fulfillment_id,
    )
    return _fulfillment(row, ctx.now) if row is not None else None


def _check_update(status: str, failure_code: str | None, failure_message: str | None) -> None:
    if status == "failed":
        if failure_code is None:
            raise bad_input("failureReason", "required when the status is FAILED")
        if failure_code not in CLIENT_FAILURE_CODES:
            raise bad_input("failureReason.code", "FULFILLMENT_EXPIRED is set by the gateway")
        if failure_message is not None and len(failure_message) > MAX_FAILURE_MESSAGE:
            raise bad_input("failureReason.message", f"at most {MAX_FAILURE_MESSAGE} characters")
    elif failure_code is not None or failure_message is not None:
        raise bad_input("failureReason", "only allowed when the status is FAILED")


async def update_fulfillment(
    ctx: OffersRequest,
    global_id: str,
    status: str,
    failure_code: str | None = None,
    failure_message: str | None = None,
) -> FulfillmentRecord:
    """Complete or fail an in-progress fulfillment (see this module's docstring for the rules)."""
    customer_id, fulfillment_id = parse_fulfillment_id(global_id)
    _check_update(status, failure_code, failure_message)
    await require_fulfillment_access(ctx, Scope.WRITE, customer_id, fulfillment_id, "id")
    ctx.cache.wrote_customers((customer_id,))
    async with ctx.db.connection() as conn, conn.transaction():
        row = await conn.fetchrow(
            _SELECT_FULFILLMENT + " WHERE customer_id = $1 AND fulfillment_id = $2 FOR UPDATE",
            customer_id,
            fulfillment_id,
        )
        if row is None:
            raise GatewayError(ErrorCode.NOT_FOUND, "id: no such offer fulfillment")
        current = _fulfillment(row, ctx.now)
        if current.processing_type not in CLIENT_UPDATABLE:
            raise bad_input(
                "id",
                f"{current.processing_type.upper()} fulfillments are completed by the billing "
                "system; only URL_REDIRECT, WEBHOOK and EMAIL ones are updated here",
            )
        if current.status != "in_progress":
            same = (current.status, current.failure_code) == (status, failure_code)
            if same and current.failure_code != "fulfillment_expired":
                return current  # a retried update: answer as the first time
            raise GatewayError(
                ErrorCode.CONFLICT,
                f"id: the fulfillment is already {current.status.upper()}"
                + (f" ({current.failure_code.upper()})" if current.failure_code else ""),
            )
        updated = await conn.fetchrow(
            """UPDATE offer_fulfillments
                  SET status = $3, failure_code = $4, failure_message = $5,
                      updated_at = greatest($6, created_at)
                WHERE customer_id = $1 AND fulfillment_id = $2
            RETURNING customer_id, fulfillment_id, play_id, offer_id, option_id,
                      processing_type::text, redirect_url, status::text, failure_code::text,
                      failure_message, created_at, updated_at""",
            customer_id,
            fulfillment_id,
            status,
            failure_code,
            failure_message,
            ctx.now,
        )
    assert updated is not None
    return _fulfillment(updated, ctx.now)
