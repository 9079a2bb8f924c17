"""urql 6 (@urql/core with Graphcache, no updaters) against a served gateway, from Node.

Each test runs one scenario of ``urql.mjs``. urql sends queries as GET and accepts
``application/graphql-response+json`` first, so these tests also cover GET and the GraphQL over
HTTP media type.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.clients.node import requests_named, restriction_reads_held, run_client

PROMOTIONS_OF_DEMO_LOYAL = 8


async def test_two_queries_over_one_listing_normalize_into_one_set_of_objects(
    graphql_url: str,
) -> None:
    report = await run_client("urql.mjs", "normalization", graphql_url)

    assert [e["operationName"] for e in report["exchanges"]] == ["ListingNames", "ListingStatuses"]
    names, statuses = report["names"], report["statuses"]
    assert names["data"] is not None and statuses["data"] is not None, "both read from the cache"
    assert not names["stale"] and not statuses["stale"]
    assert names["partial"] == statuses["partial"] == "hit"
    assert len(names["data"]["cartPromotions"]) == PROMOTIONS_OF_DEMO_LOYAL
    assert all(p["promotionStatus"] for p in statuses["data"]["cartPromotions"])
    assert report["consoleMessages"] == []


async def test_a_redemption_updates_every_cached_listing_without_updaters(
    graphql_url: str,
) -> None:
    report = await run_client("urql.mjs", "redemption", graphql_url)

    assert report["error"] is None
    assert report["result"]["__typename"] == "Redemption", report["result"]
    assert report["before"] == ["2", "2"]
    assert report["after"] == ["1", "1"], "both listing variants show the new remaining count"
    after_mutation = report["exchanges"][report["requestsBefore"] :]
    assert [e["operationName"] for e in after_mutation] == ["Redeem"], "no listing refetch"
    assert report["consoleMessages"] == []


async def test_deferred_restrictions_arrive_after_the_listing_over_get(
    graphql_url: str, served_dsn: str
) -> None:
    async with restriction_reads_held(served_dsn) as release:
        report = await run_client("urql.mjs", "defer", graphql_url, on_first_part=release)

    [request] = requests_named(report, "ListingDeferred")
    assert request["method"] == "GET"
    assert request["contentType"].startswith("multipart/mixed")
    first, last = report["emitted"][0], report["emitted"][-1]
    assert first["promotions"] == PROMOTIONS_OF_DEMO_LOYAL and not first["withRestrictions"]
    assert first["hasNext"] is True
    assert last["withRestrictions"] and last["error"] is None and not last["hasNext"]
    assert report["deferred"] == report["whole"]
    assert report["consoleMessages"] == []


async def test_automatic_persisted_queries_over_get(graphql_url: str) -> None:
    report = await run_client("urql.mjs", "apq", graphql_url)

    assert report["errors"] == [None, None]
    assert report["first"] == report["second"] and report["second"]["cartPromotions"]
    last = report["exchanges"][-1]
    assert last["method"] == "GET" and last["status"] == 200
    params = parse_qs(urlsplit(last["url"]).query)
    assert "query" not in params and "sha256Hash" in params["extensions"][0]
    assert len(report["exchanges"]) == 3, "miss, registration, then a hash-only GET"


async def test_errors_carry_a_code_and_refusals_are_data(graphql_url: str) -> None:
    report = await run_client("urql.mjs", "errors", graphql_url)

    [validation] = report["validation"]["graphQLErrors"]
    assert validation["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "discountPercent" in validation["message"]
    assert report["validation"]["status"] == 400, "graphql-response+json: 400 for invalid queries"
    [bad_input] = report["badInput"]["graphQLErrors"]
    assert bad_input["code"] == "BAD_USER_INPUT" and "input.amount" in bad_input["message"]
    assert report["refused"]["code"] == "LIMIT_REACHED"
    assert report["refusedErrors"] is None
