"""Cache-Control agrees with expiresAt; answers that depend on an API key are never public."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from tests.http.apps import ClientFactory, client_factory

OFFER = """query Offer($input: PersonalizedOffersInput!) {
  personalizedOffers(input: $input) { offers { offerId } expiresAt } }"""
B2C = orjson.dumps({"input": {"customerId": "demo-b2c"}}).decode()
OFFER_PARAMS = {"query": OFFER, "variables": B2C}
LISTING_PARAMS = {"query": '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'}
DAY = 86_400


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


def _max_age(response: httpx.Response) -> int:
    match = re.fullmatch(r"(public|private), max-age=(\d+)", response.headers["cache-control"])
    assert match, response.headers["cache-control"]
    return int(match.group(2))


async def test_by_default_nothing_is_stored(make_client: ClientFactory) -> None:
    async with make_client(env="development") as http:
        get = await http.get("/graphql", params=OFFER_PARAMS)
        post = await http.post("/graphql", json={"query": OFFER, "variables": {"input": {}}})

    assert get.json()["data"]["personalizedOffers"]["offers"], get.text
    assert get.headers["cache-control"] == "no-store"
    assert post.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("response_cache", [0, 100])
async def test_a_decision_is_never_kept_past_its_expiry(
    make_client: ClientFactory, response_cache: int
) -> None:
    async with make_client(env="development", http_max_age=DAY, response_cache=response_cache) as (
        http
    ):
        # The second answer comes from the response cache when it is on.
        answers = [await http.get("/graphql", params=OFFER_PARAMS) for _ in range(2)]

    for answer in answers:
        payload = answer.json()["data"]["personalizedOffers"]
        expires_at = datetime.fromisoformat(payload["expiresAt"])
        left = (expires_at - datetime.now(UTC)).total_seconds()
        assert 0 < _max_age(answer) <= left
        assert answer.headers["cache-control"].startswith("public")  # no key involved
        assert "authorization" in answer.headers["vary"].lower()


async def test_the_setting_caps_max_age(make_client: ClientFactory) -> None:
    async with make_client(env="development", http_max_age=5) as http:
        answer = await http.get("/graphql", params=LISTING_PARAMS)

    assert answer.headers["cache-control"] == "public, max-age=5"


async def test_answers_for_an_api_key_are_private(
    make_client: ClientFactory, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        token = await keys.create_key(conn, "test", [Scope.READ], ["acme"])
    async with make_client(env="development", http_max_age=DAY) as http:
        keyed = await http.get(
            "/graphql", params=LISTING_PARAMS, headers={"authorization": f"Bearer {token}"}
        )
    async with make_client(env="production", require_api_keys=True, http_max_age=DAY) as http:
        production = await http.get(
            "/graphql", params=LISTING_PARAMS, headers={"authorization": f"Bearer {token}"}
        )

    for answer in (keyed, production):
        assert answer.json()["data"]["cartPromotions"]
        assert answer.headers["cache-control"].startswith("private, max-age=")
        assert "public" not in answer.headers["cache-control"]
        assert "authorization" in answer.headers["vary"].lower()


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"query": "{ nope }"}, {}),  # an error
        ({"query": '{ cartPromotions(customerId: "") { promotionId } }'}, {}),  # a field error
        ({"query": "{ __typename }"}, {}),  # nothing tracked: not cacheable
        (
            {
                "query": '{ cartPromotions(customerId: "demo-loyal") '
                "{ promotionId ... @defer { restrictions { cart { kpi } } } } }"
            },
            {"accept": "multipart/mixed;deferSpec=20220824,application/json"},
        ),
    ],
)
async def test_other_answers_are_not_stored(
    make_client: ClientFactory, params: dict[str, str], headers: dict[str, str]
) -> None:
    async with make_client(env="development", http_max_age=DAY) as http:
        answer = await http.get("/graphql", params=params, headers=headers)

    assert answer.headers["cache-control"] == "no-store"
