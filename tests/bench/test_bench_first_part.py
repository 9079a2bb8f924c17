"""The deferred-cart figure's two queries: the first part is exactly the listing alone."""

from __future__ import annotations

import httpx

from bench.first_part import DEFERRED_CART, LISTING, MULTIPART_ACCEPT
from tests.http.multipart import parts

VARIABLES = {"customerId": "demo-loyal"}


async def test_the_first_part_is_the_listing_and_the_rest_follows(
    client: httpx.AsyncClient,
) -> None:
    listing = await client.post("/graphql", json={"query": LISTING, "variables": VARIABLES})
    deferred = await client.post(
        "/graphql",
        json={"query": DEFERRED_CART, "variables": VARIABLES},
        headers={"accept": MULTIPART_ACCEPT},
    )

    found = parts(deferred.text, deferred.headers["content-type"])
    assert listing.json()["data"]["cartPromotions"]
    assert found[0]["data"] == listing.json()["data"]
    assert found[-1]["hasNext"] is False
    patches = [patch for part in found[1:] for patch in part["incremental"]]
    assert len(patches) == len(found[0]["data"]["cartPromotions"])
    assert all({"restrictions", "supplementaryCriteria"} == set(p["data"]) for p in patches)
