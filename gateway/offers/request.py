"""What a caller tells about the moment of a personalizedOffers request, validated.

Shared by ``Query.personalizedOffers`` and the federated ``Customer.personalizedOffers`` field:
both build an ``OfferRequest`` (everything but the customer id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.errors import bad_input

CUSTOMER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
MAX_NAME = 150
MAX_EMAIL = 320
MAX_ROLES = 32
MAX_ROLE = 64
MAX_CUSTOM_KEYS = 50
MAX_CUSTOM_STRING = 1000
MAX_CONTEXT_STRING = 2048


@dataclass(frozen=True)
class RequestContext:
    """Device and browsing context."""

    user_agent: str | None = None
    locale: str | None = None
    timezone: str | None = None
    url: str | None = None
    referrer_url: str | None = None


@dataclass(frozen=True)
class OfferRequest:
    """The personalizedOffers input minus the customer id."""

    subscription_id: str | None = None
    external_user_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    roles: tuple[str, ...] | None = None
    custom: Mapping[str, object] = field(default_factory=dict)
    context: RequestContext = RequestContext()
    explain: bool = False


def _limit(prefix: str, name: str, value: str | None, most: int) -> None:
    # The field's path is built only for an error: this runs ten times per request.
    if value is None:
        return
    if len(value) > most:
        raise bad_input(f"{prefix}.{name}", f"at most {most} characters")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: externalUserId reached SQL and failed (masked error).
        raise bad_input(f"{prefix}.{name}", "must not contain NUL characters")


# RequestContext's attributes and their GraphQL names.
_CONTEXT_FIELDS = (
    ("user_agent", "requestContext.userAgent"),
    ("locale", "requestContext.locale"),
    ("timezone", "requestContext.timezone"),
    ("url", "requestContext.url"),
    ("referrer_url", "requestContext.referrerUrl"),
)


def validate_customer_id(customer_id: str, field_name: str = "customerId") -> None:
    """BAD_USER_INPUT unless ``customer_id`` looks like a customer id."""
    if not CUSTOMER_ID.match(customer_id):
        raise bad_input(field_name, "expected 1 to 128 letters, digits and _ . : @ -")


def validate_request(request: OfferRequest, prefix: str = "input") -> None:
    """BAD_USER_INPUT naming the first field out of bounds."""
    _limit(prefix, "subscriptionId", request.subscription_id, 128)
    if request.external_user_id == "":
        # Stored with events and fulfillments, where an end user id is 1 to 128 characters.
        raise bad_input(f"{prefix}.externalUserId", "1 to 128 characters, or null for none")
    _limit(prefix, "externalUserId", request.external_user_id, 128)
    _limit(prefix, "firstName", request.first_name, MAX_NAME)
    _limit(prefix, "lastName", request.last_name, MAX_NAME)
    _limit(prefix, "email", request.email, MAX_EMAIL)
    if request.roles is not None:
        if len(request.roles) > MAX_ROLES:
            raise bad_input(f"{prefix}.roles", f"at most {MAX_ROLES} roles")
        for role in request.roles:
            if not role or len(role) > MAX_ROLE or "\x00" in role:
                raise bad_input(f"{prefix}.roles", f"each role is 1 to {MAX_ROLE} characters")
    if not isinstance(request.custom, Mapping):
        raise bad_input(f"{prefix}.custom", "expected a JSON object")
    if len(request.custom) > MAX_CUSTOM_KEYS:
        raise bad_input(f"{prefix}.custom", f"at most {MAX_CUSTOM_KEYS} keys")
    for key, value in request.custom.items():
        if isinstance(value, (dict, list)):
            raise bad_input(f"{prefix}.custom.{key}", "expected a string, number or boolean")
        if isinstance(value, str) and len(value) > MAX_CUSTOM_STRING:
            raise bad_input(f"{prefix}.custom.{key}", f"at most {MAX_CUSTOM_STRING} characters")
    context = request.context
    for attribute, name in _CONTEXT_FIELDS:
        _limit(prefix, name, getattr(context, attribute), MAX_CONTEXT_STRING)
