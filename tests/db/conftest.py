"""Scratch databases for the ``conduit`` commands (run in this process by the ``conduit`` fixture), and their rows."""

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.db.models import orm_registry
from conduit.db.transfer import count_rows
from tests.conftest import Conduit, ScratchDatabase

TABLES = orm_registry.metadata.sorted_tables


def migrated(conduit: Conduit, scratch_database: ScratchDatabase, *, backend: str | None = None) -> str:
    """A scratch database on the suite's backend (or ``backend``), migrated to the newest revision."""
    url = scratch_database(backend=backend)
    result = conduit("database", "upgrade", "--no-prompt", database_url=url)
    assert result.returncode == 0, result.stderr
    return url


def read_database(database_url: str, query: Callable[[Any], Any]) -> Any:
    """Run the coroutine function ``query(connection)`` on a connection of its own to ``database_url``."""

    async def read() -> Any:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await query(connection)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def row_counts(database_url: str) -> dict[str, int]:
    """How many rows each Conduit table (browser sessions included) holds; tables that do not exist are left out."""

    async def count(connection: Any) -> dict[str, int]:
        existing = set(await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync)))
        return await count_rows(connection, [table for table in TABLES if table.name in existing])

    result: dict[str, int] = read_database(database_url, count)
    return result


def all_rows(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every Conduit table, in primary key order."""

    async def fetch(connection: Any) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in TABLES:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [dict(row) for row in result.mappings()]
        return rows

    result: dict[str, list[dict[str, Any]]] = read_database(database_url, fetch)
    return result


def stored_user(database_url: str, username: str) -> dict[str, Any] | None:
    """The ``users`` row of ``username``, or ``None``."""
    return next((row for row in all_rows(database_url)["users"] if row["username"] == username), None)
