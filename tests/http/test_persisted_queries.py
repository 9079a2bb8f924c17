"""Automatic Persisted Queries (Apollo's protocol) and the production allow-list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.http.persisted_queries import PersistedQueries, PersistedQueryError, sha256_hex
from gateway.settings import SettingsError
from tests.http.apps import ClientFactory, client_factory

QUERY = "query Typename { __typename }"
HASH = sha256_hex(QUERY)
OTHER = "{ other: __typename }"


def _persisted(digest: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def _code(response: httpx.Response) -> str:
    [error] = response.json()["errors"]
    return str(error["extensions"]["code"])


@pytest.fixture
def make_client(database_dsn: str, tmp_path: Path) -> ClientFactory:
    return client_factory(database_dsn, tmp_path)


async def test_unknown_hash_then_registration_then_hash_only(client: httpx.AsyncClient) -> None:
    miss = await client.post("/graphql", json={"extensions": _persisted(HASH)})
    register = await client.post("/graphql", json={"query": QUERY, "extensions": _persisted(HASH)})
    hit = await client.post("/graphql", json={"extensions": _persisted(HASH)})

    assert miss.status_code == 200
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert register.json()["data"] == {"__typename": "Query"}
    assert hit.json()["data"] == {"__typename": "Query"}


async def test_hash_only_over_get_for_cdn_caching(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": QUERY, "extensions": _persisted(HASH)})

    # A browser-like Accept header still gets data, not the GraphiQL page.
    hit = await client.get(
        "/graphql",
        params={"extensions": json.dumps(_persisted(HASH))},
        headers={"accept": "*/*"},
    )

    assert hit.status_code == 200
    assert hit.json()["data"] == {"__typename": "Query"}


async def test_hash_that_does_not_match_the_query_is_rejected(client: httpx.AsyncClient) -> None:
    wrong = sha256_hex(OTHER)

    mismatch = await client.post("/graphql", json={"query": QUERY, "extensions": _persisted(wrong)})
    later = await client.post("/graphql", json={"extensions": _persisted(wrong)})

    assert _code(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in mismatch.json() or mismatch.json()["data"] is None
    assert _code(later) == "PERSISTED_QUERY_NOT_FOUND", "a mismatch must not be stored"


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        (_persisted(HASH, version=2), "PERSISTED_QUERY_NOT_SUPPORTED"),
        (_persisted("not-a-hash"), "PERSISTED_QUERY_HASH_MISMATCH"),
        ({"persistedQuery": "yes"}, "PERSISTED_QUERY_NOT_SUPPORTED"),
    ],
)
async def test_malformed_persisted_query_extension(
    client: httpx.AsyncClient, extensions: dict[str, Any], code: str
) -> None:
    response = await client.post("/graphql", json={"query": QUERY, "extensions": extensions})

    assert _code(response) == code


def test_store_is_bounded_least_recently_used_goes_first() -> None:
    store = PersistedQueries(max_size=2)
    a, b, c = "{ a: __typename }", "{ b: __typename }", "{ c: __typename }"
    for query in (a, b):
        store.resolve(query, _persisted(sha256_hex(query)))
    store.resolve(None, _persisted(sha256_hex(a)))  # a is now the most recently used

    store.resolve(c, _persisted(sha256_hex(c)))

    assert len(store) == 2
    assert store.resolve(None, _persisted(sha256_hex(a))) == a
    assert store.resolve(None, _persisted(sha256_hex(c))) == c
    with pytest.raises(PersistedQueryError) as evicted:
        store.resolve(None, _persisted(sha256_hex(b)))
    assert evicted.value.code == "PERSISTED_QUERY_NOT_FOUND"


def _allow_list(tmp_path: Path, *queries: str) -> Path:
    path = tmp_path / "persisted-queries.json"
    path.write_text(json.dumps({sha256_hex(query): query for query in queries}))
    return path


async def test_allow_list_runs_listed_operations_only(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    allow_list = _allow_list(tmp_path, QUERY)
    async with make_client(
        env="production", persisted_queries_file=allow_list, persisted_queries_only=True
    ) as http:
        by_hash = await http.post("/graphql", json={"extensions": _persisted(HASH)})
        listed_text = await http.post("/graphql", json={"query": QUERY})
        unlisted_text = await http.post("/graphql", json={"query": OTHER})
        unlisted_hash = await http.post(
            "/graphql", json={"extensions": _persisted(sha256_hex(OTHER))}
        )
        registration = await http.post(
            "/graphql", json={"query": OTHER, "extensions": _persisted(sha256_hex(OTHER))}
        )

    assert by_hash.json()["data"] == {"__typename": "Query"}
    assert listed_text.json()["data"] == {"__typename": "Query"}
    assert _code(unlisted_text) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert _code(unlisted_hash) == "PERSISTED_QUERY_NOT_FOUND"
    assert _code(registration) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_allow_list_file_without_only_preloads_hashes(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    async with make_client(persisted_queries_file=_allow_list(tmp_path, QUERY)) as http:
        by_hash = await http.post("/graphql", json={"extensions": _persisted(HASH)})
        other = await http.post("/graphql", json={"query": OTHER})

    assert by_hash.json()["data"] == {"__typename": "Query"}
    assert other.json()["data"] == {"other": "Query"}


async def test_inconsistent_allow_list_stops_the_start(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({sha256_hex(OTHER): QUERY}))

    with pytest.raises(SettingsError, match="GATEWAY_PERSISTED_QUERIES_FILE"):
        async with make_client(persisted_queries_file=bad):
            pass


async def test_only_without_a_file_is_a_settings_error(make_client: ClientFactory) -> None:
    with pytest.raises(SettingsError, match="GATEWAY_PERSISTED_QUERIES_ONLY"):
        async with make_client(persisted_queries_only=True):
            pass
