"""Statements both SQLite and PostgreSQL run, where SQLAlchemy's core needs a dialect's help."""

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_scoped_session

from conduit.db.models import orm_registry


def dialect_insert(
    session: AsyncSession | async_scoped_session[AsyncSession], table: Any
) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a Table or a model) that knows ``ON CONFLICT`` on the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_ignoring_duplicates(
    session: AsyncSession | async_scoped_session[AsyncSession], table: Table, rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows``, silently skipping those that would break a unique constraint.

    Two concurrent requests adding the same follow, favorite or tag both succeed this way.
    """
    if rows:
        await session.execute(dialect_insert(session, table).values(rows).on_conflict_do_nothing())


async def reset_identity_sequences(connection: AsyncConnection) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL continue numbering above the highest one."""
    if connection.dialect.name != "postgresql":
        return
    for table in orm_registry.metadata.sorted_tables:
        for column in table.columns:
            if column.identity is not None:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "  # noqa: S608
                        f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {table.name}"
                    )
                )
