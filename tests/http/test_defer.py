"""``@defer`` / ``@stream`` answered as ``multipart/mixed`` (deferSpec=20220824), or merged."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from gateway.http.persisted_queries import sha256_hex
from tests.http.apps import client_factory
from tests.http.multipart import boundary_of, merge_parts, parts
from tests.promotions.test_cart_promotions_listing import _issue_many
from tests.serving import running_gateway

APOLLO_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"

DEFERRED = """
query Deferred($customerId: ID!) {
  cartPromotions(customerId: $customerId) {
    promotionId
    ... @defer(label: "limits") { restrictions { cart { kpi maxLimit remainingRedemption } } }
  }
}
"""
PLAIN = DEFERRED.replace('... @defer(label: "limits")', "...")
STREAMED = """
query Streamed($customerId: ID!) {
  cartPromotions(customerId: $customerId) @stream(initialCount: 2) { promotionId }
}
"""
LOYAL = {"customerId": "demo-loyal"}


async def _multipart(client: httpx.AsyncClient, query: str, **kwargs: Any) -> list[dict[str, Any]]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": LOYAL}, headers={"accept": APOLLO_ACCEPT}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/mixed")
    assert "deferSpec=20220824" in response.headers["content-type"]
    return parts(response.text, response.headers["content-type"])


async def test_defer_over_post_is_apollo_multipart(client: httpx.AsyncClient) -> None:
    found = await _multipart(client, DEFERRED)
    plain = (await client.post("/graphql", json={"query": PLAIN, "variables": LOYAL})).json()

    first, *later = found
    assert first["hasNext"] is True
    assert "pending" not in first
    assert all(set(p) == {"promotionId"} for p in first["data"]["cartPromotions"])
    assert later[-1]["hasNext"] is False
    patches = [patch for part in later for patch in part["incremental"]]
    assert {patch["label"] for patch in patches} == {"limits"}
    assert sorted(patch["path"][1] for patch in patches) == list(range(len(patches)))
    assert merge_parts(found) == plain["data"]


async def test_defer_over_get(client: httpx.AsyncClient) -> None:
    params = {"query": DEFERRED, "variables": '{"customerId": "demo-loyal"}'}
    response = await client.get("/graphql", params=params, headers={"accept": APOLLO_ACCEPT})

    found = parts(response.text, response.headers["content-type"])
    assert response.status_code == 200
    assert found[0]["hasNext"] is True and found[-1]["hasNext"] is False


async def test_stream_paths_end_with_the_first_item_index(client: httpx.AsyncClient) -> None:
    found = await _multipart(client, STREAMED)

    assert len(found[0]["data"]["cartPromotions"]) == 2
    [patch] = found[1]["incremental"]
    assert patch["path"] == ["cartPromotions", 2]
    plain = await client.post(
        "/graphql",
        json={"query": STREAMED.replace(" @stream(initialCount: 2)", ""), "variables": LOYAL},
    )
    assert merge_parts(found) == plain.json()["data"]


async def test_a_client_without_multipart_gets_the_whole_answer(
    client: httpx.AsyncClient,
) -> None:
    deferred = await client.post(
        "/graphql",
        json={"query": DEFERRED, "variables": LOYAL},
        headers={"accept": "application/json"},
    )
    plain = await client.post("/graphql", json={"query": PLAIN, "variables": LOYAL})

    assert deferred.headers["content-type"] == "application/json"
    assert deferred.json()["data"] == plain.json()["data"]
    # The listing, then the deferred restrictions of every promotion in one batch.
    assert deferred.json()["extensions"] == {"sqlRoundTrips": 2}


async def test_deferred_restrictions_of_200_promotions_are_one_round_trip(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await _issue_many(pool, "bulk-customer", 200)
    response = await client.post(
        "/graphql",
        json={"query": DEFERRED, "variables": {"customerId": "bulk-customer"}},
        headers={"accept": APOLLO_ACCEPT},
    )
    found = parts(response.text, response.headers["content-type"])

    assert len(found[0]["data"]["cartPromotions"]) == 200
    assert sum(len(part.get("incremental", ())) for part in found[1:]) == 200
    assert found[-1]["extensions"] == {"sqlRoundTrips": 2}


async def _read_deferred(base: str, first_part: asyncio.Event) -> float:
    """Stream a deferred answer; return seconds between the first part and the last."""
    async with (
        httpx.AsyncClient(base_url=base, timeout=20) as http,
        http.stream(
            "POST",
            "/graphql",
            json={"query": DEFERRED, "variables": LOYAL},
            headers={"accept": APOLLO_ACCEPT, "accept-encoding": "identity"},
        ) as response,
    ):
        delimiter = "\r\n--" + boundary_of(response.headers["content-type"])
        text = ""
        first_at = None
        async for chunk in response.aiter_text():
            text += chunk
            if first_at is None and text.count(delimiter) >= 1:
                first_at = time.monotonic()
                first_part.set()
        assert first_at is not None
        assert parts(text, response.headers["content-type"])[-1]["hasNext"] is False
        return time.monotonic() - first_at


async def test_the_initial_part_leaves_before_the_deferred_reads_finish(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_dsn,
        "GATEWAY_DATA_DIR": str(tmp_path / "state"),
        "GATEWAY_RESPONSE_CACHE": "0",
    }
    with running_gateway(env) as (base, _process):
        lock = await asyncpg.connect(database_dsn)
        try:
            # The deferred restrictions read blocks on this lock until the first part is read.
            transaction = lock.transaction()
            await transaction.start()
            await lock.execute("LOCK TABLE promotion_restrictions IN ACCESS EXCLUSIVE MODE")
            first_part = asyncio.Event()
            reader = asyncio.create_task(_read_deferred(base, first_part))
            await asyncio.wait_for(first_part.wait(), 15)
            await asyncio.sleep(0.3)  # the deferred read is waiting on the lock meanwhile
            await transaction.rollback()
            waited = await asyncio.wait_for(reader, 15)
        finally:
            await lock.close()
    assert waited >= 0.3


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
async def test_multipart_with_and_without_gzip(client: httpx.AsyncClient, encoding: str) -> None:
    response = await client.post(
        "/graphql",
        json={"query": DEFERRED, "variables": LOYAL},
        headers={"accept": APOLLO_ACCEPT, "accept-encoding": encoding},
    )
    assert response.headers.get("content-encoding", "identity") == encoding
    assert parts(response.text, response.headers["content-type"])[-1]["hasNext"] is False


async def test_a_persisted_deferred_query_over_get(client: httpx.AsyncClient) -> None:
    digest = sha256_hex(DEFERRED)
    extensions = orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode()
    variables = '{"customerId": "demo-loyal"}'
    headers = {"accept": APOLLO_ACCEPT}
    # Apollo's protocol: the hash alone is unknown, then sent with the query, then known.
    unknown = await client.get(
        "/graphql", params={"extensions": extensions, "variables": variables}, headers=headers
    )
    await client.get(
        "/graphql",
        params={"query": DEFERRED, "extensions": extensions, "variables": variables},
        headers=headers,
    )
    known = await client.get(
        "/graphql", params={"extensions": extensions, "variables": variables}, headers=headers
    )

    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    found = parts(known.text, known.headers["content-type"])
    assert found[0]["hasNext"] is True and found[-1]["hasNext"] is False


def test_a_client_leaving_mid_stream_logs_no_error(database_dsn: str, tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}

    async def leave_after_the_first_part(base: str) -> None:
        lock = await asyncpg.connect(database_dsn)
        try:
            transaction = lock.transaction()
            await transaction.start()
            await lock.execute("LOCK TABLE promotion_restrictions IN ACCESS EXCLUSIVE MODE")
            async with (
                httpx.AsyncClient(base_url=base, timeout=20) as http,
                http.stream(
                    "POST",
                    "/graphql",
                    json={"query": DEFERRED, "variables": LOYAL},
                    headers={"accept": APOLLO_ACCEPT},
                ) as response,
            ):
                async for _chunk in response.aiter_bytes():
                    break  # the first part: leave while the deferred read waits
            await asyncio.sleep(0.3)
            await transaction.rollback()
            await asyncio.sleep(0.3)
        finally:
            await lock.close()

    with running_gateway(env, log=log) as (base, process):
        asyncio.run(leave_after_the_first_part(base))
        after = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
        alive = process.poll() is None

    assert alive and after.json()["data"] == {"__typename": "Query"}
    text = log.read_text()
    assert "Exception in ASGI application" not in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]


@pytest.mark.parametrize("accept", [APOLLO_ACCEPT, "application/json"])
async def test_deferred_reads_past_the_time_limit_fail_with_timeout(
    database_dsn: str, tmp_path: Path, accept: str
) -> None:
    make_client = client_factory(database_dsn, tmp_path)
    lock = await asyncpg.connect(database_dsn)
    try:
        transaction = lock.transaction()
        await transaction.start()
        await lock.execute("LOCK TABLE promotion_restrictions IN ACCESS EXCLUSIVE MODE")
        async with make_client(env="development", request_timeout_s=1) as http:
            response = await http.post(
                "/graphql",
                json={"query": DEFERRED, "variables": LOYAL},
                headers={"accept": accept},
            )
            await transaction.rollback()  # the abandoned read ends before the app closes
            await asyncio.sleep(0.2)
    finally:
        await lock.close()

    if accept == APOLLO_ACCEPT:
        # The initial part was sent; every deferred fragment then fails with TIMEOUT.
        found = parts(response.text, response.headers["content-type"])
        assert found[0]["data"]["cartPromotions"]
        patches = [patch for part in found[1:] for patch in part["incremental"]]
        assert patches and all(patch["data"] is None for patch in patches)
        errors = [error for patch in patches for error in patch["errors"]]
    else:
        # One answer: the request's own time limit, as for any slow request.
        assert response.status_code == 504
        errors = response.json()["errors"]
    assert errors and {error["extensions"]["code"] for error in errors} == {"TIMEOUT"}


async def test_a_deferred_query_over_the_body_limit_is_413(
    database_dsn: str, tmp_path: Path
) -> None:
    make_client = client_factory(database_dsn, tmp_path)
    padded = DEFERRED + "#" * 2000
    async with make_client(env="development", max_body_bytes=1024) as http:
        response = await http.post(
            "/graphql",
            json={"query": padded, "variables": LOYAL},
            headers={"accept": APOLLO_ACCEPT},
        )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_an_aliased_deferred_listing_is_one_part_and_one_more_round_trip(
    client: httpx.AsyncClient,
) -> None:
    query = """query ($id: ID!) { cartPromotions(customerId: $id) { promotionId }
      ... @defer { limits: cartPromotions(customerId: $id) {
        promotionId restrictions { customer { kpi } } } } }"""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"id": "demo-loyal"}},
        headers={"accept": APOLLO_ACCEPT},
    )

    first, *later = parts(response.text, response.headers["content-type"])
    [patch] = [patch for part in later for patch in part["incremental"]]
    assert patch["path"] == []
    assert len(patch["data"]["limits"]) == len(first["data"]["cartPromotions"])
    assert later[-1]["extensions"] == {"sqlRoundTrips": 2}
