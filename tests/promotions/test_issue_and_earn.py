"""Mutation.issueCartPromotion (bulk, idempotent) and Mutation.earnCartPromotion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from tests.conftest import Gql

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

ISSUE = """
mutation ($promotionId: ID!, $customerIds: [ID!]!) {
  issueCartPromotion(promotionId: $promotionId, customerIds: $customerIds) {
    promotionId issuedCustomerIds alreadyIssuedCustomerIds notEligibleCustomerIds
  }
}
"""

EARN = """
mutation ($input: EarnCartPromotionInput!) {
  earnCartPromotion(input: $input) {
    created
    cartPromotion {
      promotionId customerId earnedType earnedStatus milestoneId eventTime validTill
      supplementaryCriteria { loyaltyProgramId programType partnerProgramId }
    }
  }
}
"""

LIST_IDS = "query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }"


async def run(gql: Gql, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await gql(query, variables, now=NOW)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def error_of(gql: Gql, query: str, variables: dict[str, Any]) -> tuple[str, str]:
    result = await gql(query, variables, now=NOW)
    assert result.errors is not None
    [error] = result.errors
    assert error.extensions is not None
    return error.extensions["code"], error.message


async def test_issue_to_many_customers_is_idempotent(gql: Gql) -> None:
    customers = ["demo-b2c", "demo-loyal", "nobody", "demo-b2c"]

    first = await run(gql, ISSUE, {"promotionId": "acme-welcome10", "customerIds": customers})
    again = await run(gql, ISSUE, {"promotionId": "acme-welcome10", "customerIds": customers})
    listed = await run(gql, LIST_IDS, {"id": "demo-b2c"})

    assert first["issueCartPromotion"] == {
        "promotionId": "acme-welcome10",
        "issuedCustomerIds": ["demo-b2c"],
        "alreadyIssuedCustomerIds": ["demo-loyal"],
        "notEligibleCustomerIds": ["nobody"],
    }
    assert again["issueCartPromotion"]["issuedCustomerIds"] == []
    assert again["issueCartPromotion"]["alreadyIssuedCustomerIds"] == ["demo-b2c", "demo-loyal"]
    assert "acme-welcome10" in [p["promotionId"] for p in listed["cartPromotions"]]


async def test_issue_skips_customers_of_another_brand(gql: Gql, pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO promotions (promotion_id, brand_id, name, kind) "
        "VALUES ('globex-news', 'globex', 'Globex news deal', 'issued')"
    )

    data = await run(
        gql, ISSUE, {"promotionId": "globex-news", "customerIds": ["demo-b2c", "demo-multibrand"]}
    )

    assert data["issueCartPromotion"]["issuedCustomerIds"] == ["demo-multibrand"]
    assert data["issueCartPromotion"]["notEligibleCustomerIds"] == ["demo-b2c"]


@pytest.mark.parametrize(
    ("variables", "code", "message"),
    [
        (
            {"promotionId": "acme-gold-tv", "customerIds": ["demo-b2c"]},
            "BAD_USER_INPUT",
            "promotionId: is a POS promotion: only customer-issued promotions are issued or earned",
        ),
        (
            {"promotionId": "nope", "customerIds": ["demo-b2c"]},
            "NOT_FOUND",
            "promotionId: no such promotion",
        ),
        (
            {"promotionId": "acme-welcome10", "customerIds": []},
            "BAD_USER_INPUT",
            "customerIds: must not be empty",
        ),
        (
            {"promotionId": "acme-welcome10", "customerIds": ["a"] * 1001},
            "BAD_USER_INPUT",
            "customerIds: must have at most 1000 ids, got 1001",
        ),
        (
            {"promotionId": "acme-welcome10", "customerIds": ["ok", "not ok"]},
            "BAD_USER_INPUT",
            "customerIds[1]: must start with a letter or digit and use only letters, digits "
            "and _.:-",
        ),
    ],
)
async def test_issue_errors_name_the_argument(
    gql: Gql, variables: dict[str, Any], code: str, message: str
) -> None:
    assert await error_of(gql, ISSUE, variables) == (code, message)


async def test_earning_a_locked_promotion_unlocks_it(gql: Gql) -> None:
    earned = await run(
        gql,
        EARN,
        {
            "input": {
                "customerId": "demo-loyal",
                "promotionId": "acme-five-orders",
                "earnedType": "REWARD",
                "milestoneId": "ms-5-orders",
                "eventTime": "2026-01-10T08:00:00Z",
            }
        },
    )

    assert earned["earnCartPromotion"] == {
        "created": False,
        "cartPromotion": {
            "promotionId": "acme-five-orders",
            "customerId": "demo-loyal",
            "earnedType": "REWARD",
            "earnedStatus": "UNLOCKED",
            "milestoneId": "ms-5-orders",
            "eventTime": "2026-01-10T08:00:00+00:00",
            "validTill": "2030-12-31T23:59:59+00:00",
            "supplementaryCriteria": None,
        },
    }


async def test_earning_through_a_supplementary_program(gql: Gql) -> None:
    earned = await run(
        gql,
        EARN,
        {
            "input": {
                "customerId": "demo-loyal",
                "promotionId": "acme-birthday",
                "earnedType": "LOYALTY",
                "validTill": "2026-03-01T00:00:00Z",
                "supplementaryCriteria": {"loyaltyProgramId": "acme-skymiles"},
            }
        },
    )
    fresh = await run(
        gql,
        EARN,
        {"input": {"customerId": "demo-b2c", "promotionId": "acme-birthday", "earnedType": "NONE"}},
    )

    promotion = earned["earnCartPromotion"]["cartPromotion"]
    assert promotion["supplementaryCriteria"] == {
        "loyaltyProgramId": "acme-skymiles",
        "programType": "SUPPLEMENTARY",
        "partnerProgramId": "skyair-miles",
    }
    assert promotion["validTill"] == "2026-03-01T00:00:00+00:00"
    assert fresh["earnCartPromotion"]["created"] is True
    assert fresh["earnCartPromotion"]["cartPromotion"]["eventTime"] == NOW.isoformat()


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"supplementaryCriteria": {"loyaltyProgramId": "acme-hotels"}},
            "BAD_USER_INPUT",
            "input.supplementaryCriteria.loyaltyProgramId: the customer is not a member of this "
            "program",
        ),
        (
            {"supplementaryCriteria": {"loyaltyProgramId": "acme-rewards"}},
            "BAD_USER_INPUT",
            "input.supplementaryCriteria.loyaltyProgramId: is the default program, not a "
            "supplementary one",
        ),
        (
            {"supplementaryCriteria": {"loyaltyProgramId": "nope"}},
            "NOT_FOUND",
            "input.supplementaryCriteria.loyaltyProgramId: no such loyalty program",
        ),
        (
            {"customerId": "nobody"},
            "NOT_FOUND",
            "input.customerId: no customer with this id in the promotion's brand",
        ),
        (
            {"eventTime": "2026-01-10T08:00:00"},
            "BAD_USER_INPUT",
            "input.eventTime: must include a UTC offset, e.g. 2025-01-31T09:00:00Z",
        ),
        (
            {"promotionId": "acme-all-members"},
            "BAD_USER_INPUT",
            "input.promotionId: is a promotion for all loyalty customers: only customer-issued "
            "promotions are issued or earned",
        ),
    ],
)
async def test_earn_errors_name_the_field(
    gql: Gql, change: dict[str, Any], code: str, message: str
) -> None:
    request = {"customerId": "demo-loyal", "promotionId": "acme-birthday", "earnedType": "LOYALTY"}

    assert await error_of(gql, EARN, {"input": {**request, **change}}) == (code, message)
