"""Statements both SQLite and PostgreSQL run, where SQLAlchemy's core needs a dialect's help."""

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Dialect,
    Executable,
    FromClause,
    Select,
    Table,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_scoped_session
from sqlalchemy.types import TypeDecorator, UnicodeText

from conduit.db.models import orm_registry

ResultRow = Mapping[Any, Any]
"""A row of a read, its columns by name (``row["slug"]``): what the schemas build responses from."""


async def read_rows(
    session: AsyncSession | async_scoped_session[AsyncSession], statement: Executable, values: Mapping[str, Any]
) -> Sequence[ResultRow]:
    """The rows the Core ``statement`` reads with ``values`` bound, through the session (so in its transaction)."""
    result = await session.execute(statement, values)
    rows: Sequence[ResultRow] = result.mappings().all()
    return rows


async def read_row(
    session: AsyncSession | async_scoped_session[AsyncSession], statement: Executable, values: Mapping[str, Any]
) -> ResultRow | None:
    """The one row the Core ``statement`` reads with ``values`` bound, or None when it finds none."""
    result = await session.execute(statement, values)
    row: ResultRow | None = result.mappings().one_or_none()
    return row


def dialect_insert(
    session: AsyncSession | async_scoped_session[AsyncSession], table: Any
) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a Table or a model) that knows ``ON CONFLICT`` on the session's database."""
    return insert_for(session.get_bind().dialect.name, table)


def insert_for(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` that knows ``ON CONFLICT`` on the database ``dialect`` names."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@cache
def all_rows(model: type[Any]) -> Select[Any]:
    """``SELECT`` of every ``model`` row, built once: the statement a repository starts from. Given to services (as
    ``statement``), it spares the ``select(model)`` Advanced Alchemy otherwise builds for each one, which is for each
    request."""
    return select(model)


class SortedNames(TypeDecorator[list[str]]):
    """A list of names aggregated by the database (an array, or JSON text on SQLite), read as a sorted list."""

    impl = UnicodeText
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        names = json.loads(value) if isinstance(value, str) else value
        return sorted(name for name in names or () if name is not None)


def sorted_names(
    dialect: str,
    name: ColumnElement[str],
    source: FromClause,
    condition: ColumnElement[bool],
) -> ColumnElement[list[str]]:
    """A correlated subquery collecting ``name`` from the ``source`` rows matching ``condition``, as a sorted list.

    PostgreSQL aggregates into an array, sorted (and empty rather than NULL) by the database itself; SQLite into JSON
    (it has no arrays). Either way the caller gets a sorted ``list[str]``.
    """
    aggregate: ColumnElement[Any]
    if dialect == "postgresql":
        aggregate = func.coalesce(func.array_agg(postgresql.aggregate_order_by(name, name)), literal_column("'{}'"))
    else:
        aggregate = func.json_group_array(name)
    names = select(aggregate).select_from(source).where(condition)
    return type_coerce(names.scalar_subquery(), SortedNames())


async def insert_ignoring_duplicates(
    session: AsyncSession | async_scoped_session[AsyncSession], table: Table, rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows``, silently skipping those that would break a unique constraint.

    Two concurrent requests adding the same follow, favorite or tag both succeed this way.
    """
    if rows:
        await session.execute(dialect_insert(session, table).values(rows).on_conflict_do_nothing())


@cache
def _link_statement(dialect: str, owner: Column[Any], target: Column[Any], chosen: Select[Any], *, linked: bool) -> Any:
    owner_id = bindparam("owner_id", type_=owner.type)
    if not linked:
        return delete(owner.table).where(owner == owner_id, target == chosen.scalar_subquery())
    rows = chosen.add_columns(owner_id)
    return insert_for(dialect, owner.table).from_select([target.name, owner.name], rows).on_conflict_do_nothing()


async def set_link(
    session: AsyncSession | async_scoped_session[AsyncSession],
    owner: Column[Any],
    owner_id: Any,
    target: Column[Any],
    chosen: Select[Any],
    values: dict[str, Any],
    *,
    linked: bool,
) -> bool:
    """Make the row linking ``owner_id`` to the row whose id ``chosen`` selects present (``linked``) or absent, in
    the table holding the columns ``owner`` and ``target`` (``favorites``, ``follows``). No row chosen, nothing
    changes; doing it twice is harmless.

    ``chosen`` is built once, with ``values`` bound when it runs (so is each statement made of it): a favorite
    or a follow pays for neither building nor caching SQL.

    Returns:
        Whether a row was added or removed (not when it was already so, or when no row is chosen).
    """
    statement = _link_statement(session.get_bind().dialect.name, owner, target, chosen, linked=linked)
    result = await session.execute(statement, {**values, "owner_id": owner_id})
    return bool(getattr(result, "rowcount", 0))


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
