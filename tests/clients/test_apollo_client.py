"""Apollo Client 3.14 (InMemoryCache, HttpLink) against a served gateway, from Node.

Each test runs one scenario of ``apollo.mjs`` (real client, real HTTP, real server on the demo
data, put back before each test) and asserts on what the client saw: the requests it made, what
its cache returned.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.clients.node import requests_named, restriction_reads_held, run_client

PROMOTIONS_OF_DEMO_LOYAL = 8


async def test_two_queries_over_one_listing_normalize_into_one_set_of_objects(
    graphql_url: str,
) -> None:
    report = await run_client("apollo.mjs", "normalization", graphql_url)

    assert [e["operationName"] for e in report["exchanges"]] == ["ListingNames", "ListingStatuses"]
    assert report["names"]["complete"] and report["statuses"]["complete"]
    names = report["names"]["data"]["cartPromotions"]
    statuses = report["statuses"]["data"]["cartPromotions"]
    assert len(names) == len(statuses) == PROMOTIONS_OF_DEMO_LOYAL
    assert all(p["promotionName"] for p in names) and all(p["promotionStatus"] for p in statuses)
    cached = [key for key in report["entities"] if key.startswith("CartPromotion:")]
    assert len(cached) == PROMOTIONS_OF_DEMO_LOYAL, report["entities"]
    [listing] = [v for k, v in report["rootListing"].items() if k.startswith("cartPromotions(")]
    assert all(set(item) == {"__ref"} for item in listing), "the listing holds references"
    assert report["consoleMessages"] == []


async def test_a_redemption_updates_every_cached_listing_without_update_code(
    graphql_url: str,
) -> None:
    report = await run_client("apollo.mjs", "redemption", graphql_url)

    assert report["result"]["__typename"] == "Redemption", report["result"]
    assert report["before"] == ["2", "2"]
    assert report["after"] == ["1", "1"], "both listing variants show the new remaining count"
    after_mutation = report["exchanges"][report["requestsBefore"] :]
    assert [e["operationName"] for e in after_mutation] == ["Redeem"], "no listing refetch"
    assert len(requests_named(report, "ListingLimits")) == 2
    assert report["consoleMessages"] == []


async def test_deferred_restrictions_arrive_after_the_listing(
    graphql_url: str, served_dsn: str
) -> None:
    async with restriction_reads_held(served_dsn) as release:
        report = await run_client("apollo.mjs", "defer", graphql_url, on_first_part=release)

    [request] = requests_named(report, "ListingDeferred")
    assert "deferSpec=20220824" in request["accept"]
    assert request["status"] == 200
    assert request["contentType"].startswith("multipart/mixed")
    first, last = report["emitted"][0], report["emitted"][-1]
    assert first["promotions"] == PROMOTIONS_OF_DEMO_LOYAL and not first["withRestrictions"]
    assert last["withRestrictions"] and last["error"] is None
    assert report["deferred"] == report["whole"], "deferred parts merge into the whole answer"
    assert report["consoleMessages"] == []


async def test_automatic_persisted_queries_over_get(graphql_url: str) -> None:
    report = await run_client("apollo.mjs", "apq", graphql_url)

    methods = [e["method"] for e in report["exchanges"]]
    assert methods == ["GET", "POST", "GET"], "miss, registration, then a hash-only GET"
    last = parse_qs(urlsplit(report["exchanges"][-1]["url"]).query)
    assert "query" not in last and "sha256Hash" in last["extensions"][0]
    assert report["exchanges"][-1]["status"] == 200
    assert report["first"] == report["second"]
    assert report["second"]["cartPromotions"]


async def test_errors_carry_a_code_and_refusals_are_data(graphql_url: str) -> None:
    report = await run_client("apollo.mjs", "errors", graphql_url)

    # Apollo Client 3 sends `accept: */*`: application/json, status 200, errors in graphQLErrors.
    [validation] = report["validation"]["graphQLErrors"]
    assert validation["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "discountPercent" in validation["message"]
    assert report["validation"]["serverErrors"] == [] and report["validation"]["status"] is None
    [bad_input] = report["badInput"]["graphQLErrors"]
    assert bad_input["code"] == "BAD_USER_INPUT" and "input.amount" in bad_input["message"]
    assert report["refused"]["__typename"] == "RedemptionRejected"
    assert report["refused"]["code"] == "LIMIT_REACHED"
    assert report["refusedErrors"] is None
