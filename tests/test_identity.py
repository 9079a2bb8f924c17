"""Global ids: Relay's format, strict parsing, keys that split back as they were joined."""

from __future__ import annotations

import base64

import pytest
from strawberry.relay import GlobalID

from gateway.identity import GlobalKey, global_id, parse_global_id


def test_ids_are_relays_global_ids() -> None:
    value = global_id("CartPromotion", "demo-loyal", "acme-welcome10")

    parsed = GlobalID.from_id(value)

    assert (parsed.type_name, parsed.node_id) == ("CartPromotion", "demo-loyal/acme-welcome10")


@pytest.mark.parametrize(
    ("type_name", "parts"),
    [
        ("CartPromotion", ("c:1@x", "p.2")),
        ("PromotionRestrictions", ("c", "p", "")),
        ("PromotionRestrictions", ("c", "p", "cart/with/slashes and spaces")),
        ("Restriction", ("c", "p", "product", "discount", "SKU/TV 55")),
        ("Restriction", ("c", "p", "customer", "redemption", "")),
        ("OfferFulfillment", ("c", "0b7c1a5e-6f7e-4f7a-9a3c-2d1e0f9b8a7c")),
        ("SupplementaryCriteria", ("acme-skymiles",)),
    ],
)
def test_a_key_parses_back_as_it_was_made(type_name: str, parts: tuple[str, ...]) -> None:
    assert parse_global_id(global_id(type_name, *parts)) == GlobalKey(type_name, parts)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64!",
        _b64("CartPromotion"),  # no colon
        _b64("Nothing:a/b"),  # no such type
        _b64("CartPromotion:only-one-part"),
        _b64("CartPromotion:/p"),  # an empty leading part
        _b64("Restriction:c/p/cart/redemption"),  # a part missing
        _b64("CartPromotion:a/b").rstrip("="),  # not canonical (padding dropped)
        base64.b64encode(b"\xff\xfe:x").decode(),  # not UTF-8
    ],
)
def test_anything_else_is_not_an_id(value: str) -> None:
    assert parse_global_id(value) is None


def test_ids_of_different_types_with_the_same_key_differ() -> None:
    assert global_id("CartPromotion", "c", "p") != global_id("OfferFulfillment", "c", "p")
