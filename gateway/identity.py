"""Global object ids: what a client's normalized cache keys an object by.

An id is Relay's global id, ``base64("<Type>:<key>")`` (strawberry.relay's ``GlobalID`` format):
unique across the schema, the same on every request and instance, opaque to clients. The key is
the object's natural key, its parts joined by ``/``; only the last part may itself contain ``/``
(ids of customers, promotions and programs never do), so a key splits back unambiguously.

>>> global_id("CartPromotion", "demo-loyal", "acme-welcome10")
'Q2FydFByb21vdGlvbjpkZW1vLWxveWFsL2FjbWUtd2VsY29tZTEw'
>>> parse_global_id('Q2FydFByb21vdGlvbjpkZW1vLWxveWFsL2FjbWUtd2VsY29tZTEw')
GlobalKey(type_name='CartPromotion', parts=('demo-loyal', 'acme-welcome10'))
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

# How many key parts each type's ids have (the last one may contain "/").
KEY_PARTS = {
    "CartPromotion": 2,  # customer, promotion
    "PromotionRestrictions": 3,  # customer, promotion, cart scope ("" for none)
    "Restriction": 5,  # customer, promotion, level, kpi, sku / category / cart scope / ""
    "OfferFulfillment": 2,  # customer, fulfillment uuid
    "Redemption": 2,  # customer, ledger entry
    "SupplementaryCriteria": 1,  # loyalty program
}


class GlobalKey(NamedTuple):
    """A decoded id: the type it belongs to and its key parts."""

    type_name: str
    parts: tuple[str, ...]


def global_id(type_name: str, *parts: str) -> str:
    """The global id of the ``type_name`` object keyed by ``parts``."""
    return encode_global_id(f"{type_name}:{'/'.join(parts)}")


def encode_global_id(text: str) -> str:
    """The global id of ``"<Type>:<key>"`` (strawberry.relay's ``to_base64``, without its type
    dispatch: a cart answer makes one id per limit).

    >>> encode_global_id("SupplementaryCriteria:prog-1")
    'U3VwcGxlbWVudGFyeUNyaXRlcmlhOnByb2ctMQ=='
    """
    return binascii.b2a_base64(text.encode(), newline=False).decode("ascii")


def parse_global_id(value: str) -> GlobalKey | None:
    """The type and key of a global id of this API; None when ``value`` is not one.

    Strict: canonical base64 only (what ``global_id`` writes), a known type, its number of parts.
    """
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    type_name, colon, key = decoded.partition(":")
    count = KEY_PARTS.get(type_name)
    if not colon or count is None or global_id(type_name, key) != value:
        return None
    parts = tuple(key.split("/", count - 1))
    if len(parts) != count or not all(parts[: count - 1]):
        return None
    return GlobalKey(type_name, parts)
