"""Fuzz personalized-offer ids that carry a valid signature but arbitrary claims.

Only the holder of GATEWAY_SIGNING_KEY can make these, so they reach every check behind the
signature: claims of the wrong JSON type, out-of-range times, unknown or foreign customers, plays,
offers and options.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.checks import assert_well_behaved
from tests.fuzz.conftest import PRODUCTION_SIGNING_KEY
from tests.fuzz.hostile import json_values
from tests.fuzz.profiles import fuzz_settings
from tests.fuzz.scalars import DEMO_IDS

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

PLAYS = (
    "acme-stay",
    "acme-enterprise-trial",
    "acme-b2b-admin-seats",
    "acme-mobile-app",
    "acme-summer-2025",
    "acme-draft-idea",
    "globex-bundle",
    "acme-team-seats",
    "globex-digital-bundle",
)

_ids = st.one_of(st.sampled_from(DEMO_IDS + PLAYS), st.text(max_size=20), json_values)
_times = st.one_of(
    st.integers(min_value=1_700_000_000, max_value=2_100_000_000),  # 2023..2036
    st.integers(),
    st.floats(),
    json_values,
)

claims = st.fixed_dictionaries(
    {},
    optional={
        "p": _ids,
        "o": _ids,
        "c": _ids,
        "u": st.one_of(st.none(), _ids),
        "s": st.one_of(st.none(), _ids),
        "iat": _times,
        "exp": _times,
    },
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(body: object, key: str = PRODUCTION_SIGNING_KEY, key_id: str = "default") -> str:
    """A token over ``body`` (any JSON), signed with ``key`` under ``key_id``."""
    head = f"po2.{key_id}.{_b64(json.dumps(body).encode())}"  # stdlib: any int, NaN
    mac = hmac.new(key.encode(), head.encode(), hashlib.sha256).digest()
    return f"{head}.{_b64(mac[:16])}"


MUTATIONS = (
    "mutation($id: ID!) { recordOfferEvent(personalizedOfferId: $id, type: DISMISSED) { id } }",
    "mutation($id: ID!, $option: ID!) { createOfferFulfillment(personalizedOfferId: $id, "
    "optionId: $option) { id status redirectUrl } }",
)


@fuzz_settings()
@given(
    body=st.one_of(claims, json_values),
    # "default" is the production key's id; another id is a key this gateway does not hold.
    key_id=st.sampled_from(["default", "default", "default", "2020-01"]),
    mutation=st.sampled_from(MUTATIONS),
    option=st.one_of(
        st.sampled_from(["switch-annual", "accept-discount", "start-trial"]), st.text()
    ),
)
async def test_signed_tokens_with_arbitrary_claims(
    prod_client: httpx.AsyncClient, body: Any, key_id: str, mutation: str, option: str
) -> None:
    variables = {"id": signed(body, key_id=key_id), "option": option}
    response = await prod_client.post("/graphql", json={"query": mutation, "variables": variables})
    assert_well_behaved(response)
