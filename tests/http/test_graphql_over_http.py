"""GraphQL over HTTP: application/graphql-response+json and its status codes; JSON unchanged."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.http.media_types import prefers_graphql_response
from gateway.settings import Settings
from tests.conftest import http_client

GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFERS = "application/graphql-response+json, application/json;q=0.9"
URQL = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)

PARSE_FAILURE = "{ __typename "
VALIDATION_FAILURE = "{ nope }"
MISSING_VARIABLE = "query ($id: ID!) { cartPromotions(customerId: $id) { promotionId } }"
BAD_ARGUMENT = '{ cartPromotions(customerId: "") { promotionId } }'


@pytest.mark.parametrize(
    ("accept", "preferred"),
    [
        (PREFERS, True),
        (URQL, True),
        (GRAPHQL_RESPONSE, True),
        ("application/json, application/graphql-response+json", False),
        ("application/json;q=1, application/graphql-response+json;q=0.5", False),
        ("application/graphql-response+json;q=0, application/json", False),
        ("*/*", False),
        ("", False),
        ("multipart/mixed;deferSpec=20220824,application/json", False),
    ],
)
def test_which_accept_headers_prefer_graphql_response(accept: str, preferred: bool) -> None:
    assert prefers_graphql_response(accept) is preferred


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (PARSE_FAILURE, "GRAPHQL_PARSE_FAILED"),
        (VALIDATION_FAILURE, "GRAPHQL_VALIDATION_FAILED"),
        (MISSING_VARIABLE, "BAD_USER_INPUT"),
    ],
)
async def test_request_errors_are_400_without_data(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await client.post("/graphql", json={"query": query}, headers={"accept": URQL})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


async def test_a_field_error_is_200_with_data(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": BAD_ARGUMENT}, headers={"accept": PREFERS}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_good_answer_over_get_and_post(client: httpx.AsyncClient) -> None:
    post = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": PREFERS}
    )
    get = await client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"accept": PREFERS}
    )

    for response in (post, get):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert response.json()["data"] == {"__typename": "Query"}


async def test_http_level_errors_match_the_media_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=b'{"query": ',
        headers={"accept": PREFERS, "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unknown_persisted_query_is_a_request_error(client: httpx.AsyncClient) -> None:
    extensions = '{"persistedQuery": {"version": 1, "sha256Hash": "' + "a" * 64 + '"}}'
    response = await client.get(
        "/graphql", params={"extensions": extensions}, headers={"accept": PREFERS}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
@pytest.mark.parametrize("query", [PARSE_FAILURE, VALIDATION_FAILURE, MISSING_VARIABLE])
async def test_json_clients_keep_200_and_data_null(
    client: httpx.AsyncClient, accept: str | None, query: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = await client.post("/graphql", json={"query": query}, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"]


async def test_a_root_field_outside_the_keys_scopes_is_403(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        reader = await keys.create_key(conn, "web", [Scope.READ], ["acme"])

    async with http_client(settings.model_copy(update={"env": "production"})) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ _service { sdl } }"},
            headers={"Authorization": f"Bearer {reader}", "accept": PREFERS},
        )

    assert response.status_code == 403
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_limit_exceeded_is_400(client: httpx.AsyncClient) -> None:
    deep = '{ cartPromotions(customerId: "x") { ' + "__typename " * 3000 + "} }"
    response = await client.post("/graphql", json={"query": deep}, headers={"accept": PREFERS})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
