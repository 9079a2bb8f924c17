"""personalizedOffers through the schema, for each demo customer (given / when / then)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from gateway.context import build_context
from gateway.loaders.offers import BrandCatalogByVersionLoader
from gateway.offers.catalog import CATALOGS, CatalogCache
from gateway.settings import Settings
from tests.conftest import Gql
from tests.offers.queries import ANDROID_TABLET, IPHONE, NOW, OFFERS, WINDOWS_CHROME


async def ask(gql: Gql, now: datetime = NOW, **input: Any) -> dict[str, Any]:
    result = await gql(OFFERS, {"input": input}, now=now)
    assert result.errors is None, result.errors
    assert result.data is not None
    payload: dict[str, Any] = result.data["personalizedOffers"]
    return payload


def offer_ids(payload: dict[str, Any]) -> list[str]:
    return [o["offerId"] for o in payload["offers"]]


async def test_b2c_customer_gets_the_annual_upgrade(gql: Gql) -> None:
    payload = await ask(gql, customerId="demo-b2c")
    (offer,) = payload["offers"]
    assert offer["offerId"] == "acme-annual-upgrade"
    assert offer["play"] == {
        "id": "acme-annual-upgrade",
        "name": "Monthly to annual",
        "objective": "EXPANSION",
    }
    assert offer["content"]["title"] == "Save 20% with annual billing"
    assert offer["content"]["locale"] == "en"
    assert offer["options"] == [
        {
            "id": "switch-annual",
            "label": "Switch to annual",
            "processingType": "BILLING_UPDATE",
            "processingLayout": "IN_APP",
            "redirectUrl": None,
        },
        {
            "id": "learn-more",
            "label": "Learn more",
            "processingType": "URL_REDIRECT",
            "processingLayout": "FULL_PAGE",
            "redirectUrl": "https://acme.example/plans/annual",
        },
    ]
    assert payload["brand"] == {"id": "acme", "name": "Acme Streaming"}
    assert payload["expiresAt"] == (NOW + timedelta(minutes=30)).isoformat()  # the play's TTL
    assert payload["explanation"] is None


async def test_no_play_matches_demo_none(gql: Gql) -> None:
    payload = await ask(gql, customerId="demo-none")
    assert payload["offers"] == []
    assert payload["brand"] == {"id": "acme", "name": "Acme Streaming"}
    assert payload["expiresAt"] == (NOW + timedelta(minutes=15)).isoformat()


async def test_unknown_customer_gets_no_offers_and_no_error(gql: Gql) -> None:
    payload = await ask(gql, customerId="nobody-here")
    assert payload["offers"] == [] and payload["brand"] is None


async def test_multibrand_customer_must_name_a_subscription(gql: Gql) -> None:
    result = await gql(OFFERS, {"input": {"customerId": "demo-multibrand"}}, now=NOW)
    assert result.errors is not None
    (error,) = result.errors
    assert error.extensions is not None
    assert error.extensions["code"] == "SUBSCRIPTION_REQUIRED"
    assert error.message.startswith("input.subscriptionId:")


@pytest.mark.parametrize(
    ("subscription", "offer", "brand"),
    [
        ("sub-mb-acme", "acme-annual-upgrade", "acme"),
        ("sub-mb-globex", "globex-digital-bundle", "globex"),
    ],
)
async def test_multibrand_customer_per_subscription(
    gql: Gql, subscription: str, offer: str, brand: str
) -> None:
    payload = await ask(gql, customerId="demo-multibrand", subscriptionId=subscription)
    assert offer_ids(payload) == [offer]
    assert payload["brand"]["id"] == brand


async def test_another_customers_subscription_is_bad_input(gql: Gql) -> None:
    result = await gql(
        OFFERS, {"input": {"customerId": "demo-b2c", "subscriptionId": "sub-b2b"}}, now=NOW
    )
    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert "input.subscriptionId" in result.errors[0].message


@pytest.mark.parametrize(
    ("user", "roles", "offer"),
    [
        ("u-alice", None, "acme-team-seats"),  # stored roles: admin
        ("u-bob", None, "acme-team-tips"),  # stored roles: member
        ("u-carol", None, None),  # viewer: nothing
        ("u-carol", ["billing_admin"], "acme-team-seats"),  # roles in the request win
        ("u-new", ["member"], "acme-team-tips"),  # not on record: the request's roles
        ("u-new", None, None),
    ],
)
async def test_b2b_roles_lead_to_different_offers(
    gql: Gql, user: str, roles: list[str] | None, offer: str | None
) -> None:
    payload = await ask(gql, customerId="demo-b2b", externalUserId=user, roles=roles)
    assert offer_ids(payload) == ([offer] if offer else [])


@pytest.mark.parametrize(
    ("user_agent", "offer", "ttl"),
    [
        (IPHONE, "acme-mobile-app", timedelta(hours=1)),
        (ANDROID_TABLET, "acme-annual-upgrade", timedelta(minutes=30)),
        (WINDOWS_CHROME, "acme-annual-upgrade", timedelta(minutes=30)),
    ],
)
async def test_device_targeting_from_real_user_agents(
    gql: Gql, user_agent: str, offer: str, ttl: timedelta
) -> None:
    payload = await ask(gql, customerId="demo-b2c", requestContext={"userAgent": user_agent})
    assert offer_ids(payload) == [offer]
    assert payload["expiresAt"] == (NOW + ttl).isoformat()


@pytest.mark.parametrize(
    ("locale", "title", "served"),
    [
        ("de-DE", "20 % sparen mit jährlicher Zahlung", "de"),
        ("de_AT", "20 % sparen mit jährlicher Zahlung", "de"),
        ("fr-CA", "Économisez 20 % avec la facturation annuelle", "fr"),
        ("es-ES", "Save 20% with annual billing", "en"),
        ("not a locale!", "Save 20% with annual billing", "en"),
    ],
)
async def test_content_follows_the_locale(gql: Gql, locale: str, title: str, served: str) -> None:
    payload = await ask(gql, customerId="demo-b2c", requestContext={"locale": locale})
    content = payload["offers"][0]["content"]
    assert (content["title"], content["locale"]) == (title, served)


async def test_mapped_custom_attribute_counts_and_unmapped_input_is_ignored(gql: Gql) -> None:
    # acme maps custom.company_size from the request's custom.companySize
    mapped = await ask(gql, customerId="demo-b2c", custom={"companySize": 250})
    assert offer_ids(mapped) == ["acme-enterprise-trial"]
    unmapped = await ask(gql, customerId="demo-b2c", custom={"company_size": 250})
    assert offer_ids(unmapped) == ["acme-annual-upgrade"]


async def test_split_is_stable_across_calls(gql: Gql) -> None:
    answers = [offer_ids(await ask(gql, customerId="demo-b2c")) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    tokens = {(await ask(gql, customerId="demo-b2c"))["offers"][0]["id"] for _ in range(2)}
    assert len(tokens) == 1  # same inputs, same clock: the very same decision


async def test_explain_says_why_each_play_lost(gql: Gql) -> None:
    payload = await ask(gql, customerId="demo-b2c", explain=True)
    verdicts = {v["playId"]: v for v in payload["explanation"]}
    assert verdicts["acme-annual-upgrade"]["outcome"] == "WON"
    assert verdicts["acme-summer-2025"]["outcome"] == "ENDED"
    seats = verdicts["acme-b2b-admin-seats"]
    assert (seats["outcome"], seats["rulePath"]) == ("AUDIENCE", "audience.all[0]")
    assert "customer.segment eq 'enterprise'" in seats["detail"]
    assert verdicts["acme-mobile-app"]["rulePath"] == "audience.all[2]"
    assert "acme-draft-idea" not in verdicts
    assert payload["explanation"][0]["playId"] == "acme-summer-2025"  # best-ranked first


async def test_at_most_three_round_trips(gql: Gql) -> None:
    CATALOGS.clear()
    first = await gql(OFFERS, {"input": {"customerId": "demo-b2b", "externalUserId": "u-bob"}})
    again = await gql(OFFERS, {"input": {"customerId": "demo-b2b", "externalUserId": "u-bob"}})
    assert first.extensions is not None and again.extensions is not None
    assert first.extensions["sqlRoundTrips"] == 2  # customer snapshot, then the brand's catalog
    assert again.extensions["sqlRoundTrips"] == 1  # the compiled catalog is cached


async def test_concurrent_requests_compile_a_missing_catalog_once(gql: Gql) -> None:
    CATALOGS.clear()
    variables = {"input": {"customerId": "demo-b2b", "externalUserId": "u-bob"}}

    results = await asyncio.gather(*(gql(OFFERS, variables) for _ in range(5)))

    assert all(r.errors is None for r in results)
    answers = {tuple(offer_ids(r.data["personalizedOffers"])) for r in results if r.data}
    assert len(answers) == 1 and next(iter(answers))  # the same offer for all five
    trips = [r.extensions["sqlRoundTrips"] for r in results if r.extensions is not None]
    # Each reads its customer; one reads and compiles the catalog, the others wait for it.
    assert sorted(trips) == [1, 1, 1, 1, 2]


async def test_a_waiter_compiles_the_catalog_when_its_compiler_gives_up(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    cache = CatalogCache()
    key = ("any version", "acme")
    cache.claim([key])  # another request is compiling it
    context = build_context(pool, settings)
    waiter = asyncio.ensure_future(BrandCatalogByVersionLoader(context.db, cache).load(key))
    await asyncio.sleep(0.05)
    assert not waiter.done() and context.db.round_trips.count == 0  # it waits, reads nothing

    cache.release([key])  # that request was cancelled before it was done
    catalog = await waiter

    assert catalog is not None and catalog.brand_id == "acme"
    assert context.db.round_trips.count == 1
    assert not cache.has_claims()


async def test_input_bounds_are_checked(gql: Gql) -> None:
    result = await gql(OFFERS, {"input": {"customerId": "demo-b2c", "firstName": "x" * 151}})
    assert result.errors is not None
    assert result.errors[0].message.startswith("input.firstName:")
    result = await gql(OFFERS, {"input": {"customerId": "demo-b2c", "custom": [1, 2]}})
    assert result.errors is not None
    assert result.errors[0].message.startswith("input.custom:")
