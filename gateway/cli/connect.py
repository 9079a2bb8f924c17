"""One connection for the commands (``serve``'s start-up, ``migrate``, ``keys``, ``load``).

A server that does not answer is a ``DatabaseUnreachable`` whose message names the address and
the fix: the command prints that one line and exits non-zero, never a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from gateway.db import UNAVAILABLE_ERRORS
from gateway.errors import CommandError

CONNECT_TIMEOUT_S = 10.0
# The server answered but turned us away.
_REFUSED = (
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
    asyncpg.exceptions.InvalidCatalogNameError,
)


class DatabaseUnreachable(CommandError):
    """The database could not be reached; the message says where and what to do."""


def redacted(dsn: str) -> str:
    """``dsn`` without its password, fit for a message.

    >>> redacted("postgresql://app:secret@db:5432/offers")
    'postgresql://app:***@db:5432/offers'
    """
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def connect(dsn: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> asyncpg.Connection:
    """Open a connection to ``dsn``, or raise ``DatabaseUnreachable`` naming it and the fix.

    Example, in a coroutine::

        conn = await connect("postgresql://postgres@127.0.0.1:5432/postgres")
    """
    try:
        return await asyncpg.connect(dsn, timeout=timeout_s)
    except _REFUSED as exc:
        fix = "correct the user, password or database name in DATABASE_URL"
        problem: BaseException = exc
    except UNAVAILABLE_ERRORS as exc:
        fix = "start that PostgreSQL server or correct DATABASE_URL"
        problem = exc
    reason = str(problem) or type(problem).__name__
    raise DatabaseUnreachable(
        f"cannot connect to the database at {redacted(dsn)} ({reason})",
        fix=f"{fix} (unset it to use an embedded PostgreSQL)",
    )
