"""The databases the suite runs on: which backend, and scratch PostgreSQL databases made and dropped.

Also a command for ``scripts/test-all-backends``: ``python -m tests.support.databases ensure URL``
creates the PostgreSQL test database when missing, or exits 1 saying why the server cannot be reached.
"""

import asyncio
import sys
from pathlib import Path
from typing import Any

import asyncpg
from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.engine import URL, make_url

from conduit.config import alembic_config


def _connect_options(url: URL) -> dict[str, Any]:
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "timeout": 5,
    }


async def _execute_on_server(url: URL, statement: str) -> None:
    """Run ``statement`` on the server ``url`` names, connected to its ``postgres`` maintenance database."""
    connection = await asyncpg.connect(database="postgres", **_connect_options(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def execute_on_server(url: str, statement: str) -> None:
    """Run a statement such as ``CREATE DATABASE`` on the PostgreSQL server ``url`` names."""
    asyncio.run(_execute_on_server(make_url(url), statement))


async def _ensure_database(url: URL) -> None:
    try:
        connection = await asyncpg.connect(database=url.database, **_connect_options(url))
    except asyncpg.InvalidCatalogNameError:
        await _execute_on_server(url, f'CREATE DATABASE "{url.database}"')
    else:
        await connection.close()


def migrate_afresh(url: str) -> None:
    """Empty the database ``url`` names (every table, trigger and function) and migrate it to the newest revision."""
    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        ensure_database(url)
        execute_on_database(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    elif target.database and Path(target.database).exists():
        Path(target.database).unlink()
    config = SQLAlchemyAsyncConfig(connection_string=url, alembic_config=alembic_config())
    AlembicCommands(sqlalchemy_config=config).upgrade("head")


def execute_on_database(url: str, statement: str) -> None:
    """Run ``statement`` on the PostgreSQL database ``url`` names."""

    async def execute() -> None:
        target = make_url(url)
        connection = await asyncpg.connect(database=target.database, **_connect_options(target))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute())


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names, unless it exists."""
    asyncio.run(_ensure_database(make_url(url)))


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] != "ensure":
        print("usage: python -m tests.support.databases ensure postgresql+asyncpg://...", file=sys.stderr)
        return 2
    try:
        ensure_database(sys.argv[2])
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"PostgreSQL at {sys.argv[2]} is not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
