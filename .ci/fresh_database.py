"""Create an empty database (dropping any previous one): fresh_database.py SERVER_DSN NAME."""

import asyncio
import sys

import asyncpg


async def main(dsn: str, name: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


asyncio.run(main(sys.argv[1], sys.argv[2]))
