"""Export and import: every Conduit row, as JSON Lines, portable between SQLite and PostgreSQL.

A dump is one JSON object per line::

    {"format": "conduit-export", "version": 1, "exported_at": "..."}
    {"table": "users", "row": {"id": "...", "username": "...", ...}}
    ...
    {"end": {"users": 12, "articles": 40, ...}}

Tables come parents first. UUIDs are strings, timestamps ISO 8601 with microseconds and
an offset. The closing ``end`` line lists the row counts, so a truncated file is detected.
An import runs in one transaction: any problem and nothing is written. Browser sessions,
the job queue with the background jobs' bookkeeping, mailed tokens and notifications waiting for their mail are
neither exported nor imported.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Column, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from conduit.db.models import AccountToken, Job, Notification, SessionRecord, counters, job_runs, orm_registry
from conduit.db.statements import reset_identity_sequences

FORMAT = "conduit-export"
VERSION = 1
BATCH_SIZE = 1_000
TRANSIENT = {
    SessionRecord.__tablename__,
    AccountToken.__tablename__,
    Job.__tablename__,
    Notification.__tablename__,
    counters.name,
    job_runs.name,
}
TABLES: list[Table] = [table for table in orm_registry.metadata.sorted_tables if table.name not in TRANSIENT]
"""Conduit's data, parents first. Browser sessions and mailed tokens (secrets), jobs, job runs and notifications
waiting for their mail are not data, and counters are derived from the data (the database recounts them as rows are
imported): they stay out."""


class TransferError(Exception):
    """The dump cannot be imported; the message says where and why."""


def _columns(table: Table) -> list[Column[Any]]:
    """The columns a dump carries: those ``SELECT`` returns, except insert sentinels and derived counts."""
    return [
        column
        for column in select(table).selected_columns
        if isinstance(column, Column) and not column.info.get("derived")
    ]


def _encoder(column: Column[Any]) -> Callable[[Any], Any]:
    if isinstance(column.type, GUID):
        return lambda value: None if value is None else str(value)
    if isinstance(column.type, DateTimeUTC):
        return lambda value: None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")
    return lambda value: value


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    if isinstance(column.type, GUID):
        return lambda value: None if value is None else UUID(value)
    if isinstance(column.type, DateTimeUTC):
        return lambda value: None if value is None else datetime.fromisoformat(value)
    return lambda value: value


async def export_rows(connection: AsyncConnection, out: IO[str]) -> dict[str, int]:
    """Write every row of every table to ``out``.

    Returns:
        How many rows each table had.
    """
    out.write(json.dumps({"format": FORMAT, "version": VERSION, "exported_at": datetime.now(UTC).isoformat()}) + "\n")
    counts: dict[str, int] = {}
    for table in TABLES:
        encoders = {column.name: _encoder(column) for column in _columns(table)}
        counts[table.name] = 0
        ordering = list(table.primary_key.columns)
        result = await connection.stream(select(*_columns(table)).order_by(*ordering))
        async for row in result.mappings():
            record = {name: encoders[name](value) for name, value in row.items()}
            out.write(json.dumps({"table": table.name, "row": record}, ensure_ascii=False) + "\n")
            counts[table.name] += 1
    out.write(json.dumps({"end": counts}) + "\n")
    return counts


async def count_rows(connection: AsyncConnection, tables: Iterable[Table] = TABLES) -> dict[str, int]:
    """How many rows each of ``tables`` (Conduit's data, by default) holds."""
    return {table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0) for table in tables}


async def import_rows(connection: AsyncConnection, lines: Iterable[str], *, replace: bool = False) -> dict[str, int]:
    """Load a dump through ``connection``; the caller owns the transaction and rolls back on error.

    Args:
        connection: Where the rows go.
        lines: The dump, line by line.
        replace: Delete the data already there first, instead of refusing a non-empty database.

    Returns:
        How many rows went into each table.

    Raises:
        TransferError: The database is not empty, or the dump is malformed, truncated or inconsistent.
    """
    existing = await count_rows(connection)
    if any(existing.values()):
        if not replace:
            present = ", ".join(f"{name}: {count}" for name, count in existing.items() if count)
            msg = f"the database is not empty ({present}); pass --replace to delete its data first"
            raise TransferError(msg)
        for table in reversed(TABLES):
            await connection.execute(table.delete())

    by_name = {table.name: table for table in TABLES}
    decoders = {table.name: {column.name: _decoder(column) for column in _columns(table)} for table in TABLES}
    counts = dict.fromkeys(by_name, 0)
    pending: list[dict[str, Any]] = []
    pending_table: Table | None = None
    end: dict[str, int] | None = None

    async def flush() -> None:
        if pending_table is not None and pending:
            await connection.execute(insert(pending_table).values(pending))
            pending.clear()

    for number, record in _records(lines):
        if end is not None:
            raise TransferError(f"line {number}: data after the end marker")
        if "end" in record:
            end = record["end"]
            continue
        name, row = record.get("table"), record.get("row")
        if name not in by_name or not isinstance(row, dict):
            raise TransferError(f"line {number}: expected a row of a known table, got {_shorten(record)}")
        table_decoders = decoders[name]
        if set(row) != set(table_decoders):
            raise TransferError(
                f"line {number}: {name} row has columns {sorted(row)}, expected {sorted(table_decoders)}"
            )
        try:
            values = {column: table_decoders[column](value) for column, value in row.items()}
        except (ValueError, TypeError, AttributeError) as exc:
            raise TransferError(f"line {number}: {name} row has an invalid value: {exc}") from None
        if by_name[name] is not pending_table:
            await flush()
            pending_table = by_name[name]
        pending.append(values)
        counts[name] += 1
        if len(pending) >= BATCH_SIZE:
            await flush()
    await flush()

    if end is None:
        raise TransferError("the dump is truncated: its end marker is missing")
    if end != counts:
        raise TransferError(f"the dump is inconsistent: it holds {counts}, its end marker says {end}")
    await reset_identity_sequences(connection)
    return counts


def _records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    header_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TransferError(f"line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise TransferError(f"line {number}: expected a JSON object")
        if not header_seen:
            if record.get("format") != FORMAT or record.get("version") != VERSION:
                raise TransferError(f"line {number}: not a Conduit export (version {VERSION})")
            header_seen = True
            continue
        yield number, record
    if not header_seen:
        raise TransferError("the file is empty")


def _shorten(record: dict[str, Any]) -> str:
    text = json.dumps(record)
    return text if len(text) <= 80 else text[:77] + "..."
