"""Statements both SQLite and PostgreSQL run, where SQLAlchemy's core needs a dialect's help."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_duplicates(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, silently skipping those that would break a unique constraint.

    Two concurrent requests adding the same follow, favorite or tag both succeed this way.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(table).values(rows).on_conflict_do_nothing())
