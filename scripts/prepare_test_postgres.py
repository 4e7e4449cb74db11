"""Make sure the PostgreSQL test database exists; exit 1 with the reason when the server cannot be reached.

usage: prepare_test_postgres.py postgresql+asyncpg://user@host:port/database
"""

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def prepare(url: str) -> None:
    target = make_url(url)
    connect = {
        "host": target.host or "127.0.0.1",
        "port": target.port or 5432,
        "user": target.username or "postgres",
        "password": target.password,
        "timeout": 5,
    }
    try:
        connection = await asyncpg.connect(database=target.database, **connect)
    except asyncpg.InvalidCatalogNameError:
        maintenance = await asyncpg.connect(database="postgres", **connect)
        try:
            await maintenance.execute(f'CREATE DATABASE "{target.database}"')
        finally:
            await maintenance.close()
        connection = await asyncpg.connect(database=target.database, **connect)
    await connection.close()


def main() -> int:
    try:
        asyncio.run(prepare(sys.argv[1]))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"PostgreSQL at {sys.argv[1]} is not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
