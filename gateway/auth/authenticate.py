"""Turn a request's ``Authorization`` header into a Principal, or a coded refusal."""

from __future__ import annotations

import asyncpg

from gateway.auth.keys import KeyVerifier
from gateway.auth.principal import DEVELOPMENT, Principal
from gateway.errors import ErrorCode, GatewayError


async def authenticate(
    authorization: str | None, *, require_key: bool, verifier: KeyVerifier, pool: asyncpg.Pool
) -> Principal:
    """The caller's principal; raise UNAUTHENTICATED (or DATABASE_UNAVAILABLE) otherwise.

    Without a header: the development principal, unless keys are required. A header that is
    sent is always checked, in every mode.

    Example, in a coroutine::

        await authenticate("Bearer gw_...", require_key=True, verifier=v, pool=pool)
        # -> Principal(key_id='...', ...)
    """
    if not authorization:
        if require_key:
            raise GatewayError(
                ErrorCode.UNAUTHENTICATED, "Authorization: send 'Bearer <API key>' (header missing)"
            )
        return DEVELOPMENT
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise GatewayError(ErrorCode.UNAUTHENTICATED, "Authorization: expected 'Bearer <API key>'")
    try:
        principal = await verifier.verify(pool.acquire, token.strip())
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        raise GatewayError(
            ErrorCode.DATABASE_UNAVAILABLE, "Authorization: cannot check the key now, retry"
        ) from None
    if principal is None:
        raise GatewayError(ErrorCode.UNAUTHENTICATED, "Authorization: unknown or revoked API key")
    return principal
