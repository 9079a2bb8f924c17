"""API keys: only hashes stored; verification, revocation, scopes and brands."""

from __future__ import annotations

import asyncpg
import pytest

from gateway.auth import keys
from gateway.auth.principal import Scope
from gateway.errors import GatewayError


async def test_a_created_key_verifies_to_its_scopes_and_brands(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        token = await keys.create_key(conn, "web", [Scope.READ, Scope.WRITE], ["acme"])
        stored = await conn.fetchval("SELECT count(*) FROM api_keys WHERE secret_hash IS NOT NULL")
        leaked = await conn.fetchval(
            "SELECT count(*) FROM api_keys WHERE position($1 in name) > 0", token
        )

    principal = await keys.KeyVerifier().verify(pool.acquire, token)

    assert stored == 1 and leaked == 0
    assert principal is not None
    assert principal.scopes == {Scope.READ, Scope.WRITE}
    assert principal.brand_ids == ("acme",)
    assert principal.may_see_brand("acme") and not principal.may_see_brand("globex")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
        lambda t: "gw_000000000000_" + t.split("_", 2)[2],  # unknown key id
        lambda t: t.replace("gw_", "xx_"),  # malformed
        lambda t: "",
    ],
)
async def test_wrong_or_malformed_tokens_are_refused(pool: asyncpg.Pool, mangle: object) -> None:
    async with pool.acquire() as conn:
        token = await keys.create_key(conn, "web", [Scope.READ], ["acme"])

    assert callable(mangle)
    assert await keys.KeyVerifier().verify(pool.acquire, mangle(token)) is None


async def test_a_revoked_key_stops_working_once_the_cache_expires(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        token = await keys.create_key(conn, "web", [Scope.READ], ["acme"])
        key_id = token.split("_")[1]
        verifier = keys.KeyVerifier(ttl_s=0)
        assert await verifier.verify(pool.acquire, token) is not None

        assert await keys.revoke_key(conn, key_id) is True
        assert await keys.revoke_key(conn, key_id) is False
        listed = await keys.list_keys(conn)

    assert await verifier.verify(pool.acquire, token) is None
    assert [(k.key_id, k.revoked_at is not None) for k in listed] == [(key_id, True)]


def test_a_missing_scope_is_forbidden_and_names_the_field() -> None:
    from gateway.auth.principal import Principal

    reader = Principal("k", frozenset({Scope.READ}), ("acme",))

    with pytest.raises(GatewayError, match="redeemCartPromotion: this API key lacks the 'write'"):
        reader.require(Scope.WRITE, "redeemCartPromotion")


async def test_a_key_for_a_brand_that_does_not_exist_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(keys.UnknownBrandError) as caught:
            await keys.create_key(conn, "web", [Scope.READ], ["acme", "acmee", "globexx"])
        stored = await conn.fetchval("SELECT count(*) FROM api_keys")

    assert caught.value.missing == ("acmee", "globexx")
    assert "acme" in caught.value.known
    assert str(caught.value) == "no brand 'acmee', 'globexx' in the database"
    assert stored == 0
