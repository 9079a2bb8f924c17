"""DSN helpers for tests."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def dsn_with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at ``database`` instead (keeps host, socket and options).

    >>> dsn_with_database("postgresql://postgres@127.0.0.1:5432/postgres", "t1")
    'postgresql://postgres@127.0.0.1:5432/t1'
    """
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))
