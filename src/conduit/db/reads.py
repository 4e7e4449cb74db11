"""Running the read statements: through asyncpg directly where that is safe, through SQLAlchemy elsewhere.

A read on PostgreSQL runs on the engine's AUTOCOMMIT view, or in a request that writes before its transaction
begins (see ``lib.transactions``): no transaction to track, no ORM objects to build. What SQLAlchemy still adds
per statement there (cache lookups, a cursor wrapper, a result object and a processor call per value) costs as
much as the rest of the request. So such a read runs the statement's SQL, compiled once per statement, on
asyncpg, and gets asyncpg's records back: on the connection the session holds, or, when it holds none yet (the
usual case: a read needs no transaction and so no session state), on a connection borrowed from the pool for the
one statement, which also spares the session's connection and transaction bookkeeping. The statements are
written so that their values need no conversion on the way out (tags are sorted by the database, timestamps come
back with their time zone).

Every other read (SQLite, PgBouncer, a read inside a write's transaction) goes through SQLAlchemy (``execute``). So
does a read while something watches the engine's SQL (``DATABASE_ECHO``, a ``before_cursor_execute`` listener
such as a tracer or a test counting statements), so that it sees every statement. And so does a read the fast
path failed on: SQLAlchemy runs it again, and either answers or reports the failure as it always does (wrapping
the driver's error, dropping a broken connection from the pool).

On SQLite the same holds for a different reason. aiosqlite runs each call on a thread of its own, and every
row it steps through hands the GIL back and forth with the event loop, which under load waits for the loop's
switch interval each time: a read of 0.1 ms took several. So a read there runs its compiled SQL on the
session's ``sqlite3`` connection from the event loop's thread (the connection's own thread is idle meanwhile:
the session holds it, and one request never runs two statements at once), and converts the values with the
statement's result processors. A read whose cost is not bounded by its page (a search, ``inline=False``) stays
on aiosqlite's thread, so that it never holds up the loop.

Callers read a row's columns by name (``row["slug"]``), the one access every kind of row shares.
"""

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Dialect, Executable, Result, Select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_scoped_session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn


class ResultRow(Protocol):
    """A row of a read: its columns by name (``row["slug"]``), and their names (so ``{**row}`` copies it)."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


Session = AsyncSession | async_scoped_session[AsyncSession]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as asyncpg runs it: its SQL, then what goes in each ``$n`` placeholder."""

    statement: Select[Any]
    """Kept so that the statement outlives its entry (its id is the key)."""
    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]
    convert: Mapping[str, Callable[[Any], Any]]
    columns: tuple[str, ...]
    """The names of the result's columns, in order."""
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The result columns whose values need converting (SQLite), by position: what SQLAlchemy would apply."""

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name in self.names:
            value = values[name] if name in values else self.fixed[name]
            if name in self.convert and value is not None:
                value = self.convert[name](value)
            arguments.append(value)
        return arguments


_compiled: dict[int, _Compiled] = {}


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    """``statement`` compiled for asyncpg, once (statements are built once, see ``articles.queries``)."""
    entry = _compiled.get(id(statement))
    if entry is not None and entry.statement is statement:
        return entry
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # noqa: S101 - a SELECT always compiles to SQL
    if compiled.positiontup is None or compiled.post_compile_params or compiled.literal_execute_params:
        msg = "only statements with plain positional parameters run directly on asyncpg"
        raise TypeError(msg)
    convert: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None:
            convert[name] = processor
    columns = compiled._result_columns  # the result's names and types; SQLAlchemy has no public accessor
    results = []
    for position, column in enumerate(columns):
        if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None:
            results.append((position, processor))
    entry = _Compiled(
        statement=statement,
        sql=str(compiled),
        names=tuple(compiled.positiontup),
        fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
        convert=convert,
        columns=tuple(column.keyname for column in columns),
        results=tuple(results),
    )
    _compiled[id(statement)] = entry
    return entry


def has_pending_changes(session: Session) -> bool:
    """Whether ``session`` holds changes not flushed yet, which a read sees only through ``session.execute`` (it
    flushes them first)."""
    return bool(session.new or session.dirty or session.deleted)


async def execute(session: Session, statement: Executable, values: Mapping[str, Any]) -> Result[Any]:
    """Run the Core ``statement`` (a read here, a write such as ``statements.set_link``) with ``values`` bound, in
    the session's transaction, as SQLAlchemy runs it: its errors, events and connection handling are SQLAlchemy's.

    On the session's connection rather than through ``session.execute``, whose ORM layer (the execution context
    of an ORM statement, the autoflush check) cost about 50 us a statement, a sixth of a one-row read with its
    round trip, and has nothing to do for a Core statement. Unless the session holds changes not flushed yet:
    ``session.execute`` flushes them first, so that the statement sees them.
    """
    if has_pending_changes(session):
        return await session.execute(statement, values)
    return await (await session.connection()).execute(statement, values)


def _watched(engine: AsyncEngine) -> bool:
    """Whether something watches the SQL ``engine`` runs: its echo, or cursor listeners."""
    events = engine.sync_engine.dispatch
    return bool(engine.echo or events.before_cursor_execute or events.after_cursor_execute)


async def _fetch_directly(
    session: AsyncSession, compiled: _Compiled, values: Mapping[str, Any]
) -> Sequence[ResultRow] | None:
    """Run ``compiled`` on asyncpg: on the session's connection when it holds one, else on one of the pool's
    (never a second connection while the request holds one: a busy pool might not have it).

    None when the statement failed. A connection borrowed from the pool goes back right after the statement
    (the session never sees it), or is dropped from the pool when the statement failed, in case the connection
    was what failed. Failing to get a connection (the pool exhausted, the database down) is SQLAlchemy's error,
    raised as it is.
    """
    arguments = compiled.arguments(values)
    rows: Sequence[ResultRow]
    if getattr(session, "holds_connection", True):  # lib.transactions.RequestSession, as for ``reads_directly``
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        try:
            rows = await driver.fetch(compiled.sql, *arguments)  # type: ignore[union-attr]
        except Exception:
            return None
        return rows
    engine = session.bind
    assert isinstance(engine, AsyncEngine)  # noqa: S101 - checked by ``fetch_all``
    pooled = await engine.raw_connection()
    try:
        rows = await pooled.driver_connection.fetch(compiled.sql, *arguments)  # type: ignore[union-attr]
    except Exception:
        await greenlet_spawn(pooled.invalidate)
        return None
    finally:
        await greenlet_spawn(pooled.close)
    return rows


async def _fetch_inline(session: Session, compiled: _Compiled, values: Mapping[str, Any]) -> Sequence[ResultRow] | None:
    """Run ``compiled`` on the session's ``sqlite3`` connection, on this thread; None when the statement failed."""
    raw = await (await session.connection()).get_raw_connection()
    connection: sqlite3.Connection = raw.driver_connection._conn  # type: ignore[union-attr]  # aiosqlite's own
    try:
        found = connection.execute(compiled.sql, compiled.arguments(values)).fetchall()
    except sqlite3.Error:
        return None
    rows: list[ResultRow] = []
    for row in found:
        converted = list(row)
        for position, process in compiled.results:
            converted[position] = process(converted[position])
        rows.append(dict(zip(compiled.columns, converted, strict=True)))
    return rows


async def fetch_all(
    session: Session, statement: Select[Any], values: Mapping[str, Any], *, inline: bool = True
) -> Sequence[ResultRow]:
    """The rows ``statement`` reads with ``values`` bound (every parameter without a value of its own).

    ``inline=False`` for a statement whose cost grows with the data rather than the page (a search): on SQLite it
    then runs on aiosqlite's thread rather than the event loop's.
    """
    engine = session.bind
    if isinstance(engine, AsyncEngine) and not _watched(engine):
        rows: Sequence[ResultRow] | None = None
        # a request's session on PostgreSQL, on the AUTOCOMMIT view or before its transaction begins
        # (``lib.transactions.RequestSession``; looked up by name, so that commands reading accounts do not
        # import the web stack)
        if isinstance(session, AsyncSession) and getattr(session, "reads_directly", False):
            rows = await _fetch_directly(session, _compile(statement, engine.dialect), values)
        elif inline and engine.dialect.name == "sqlite" and not has_pending_changes(session):
            rows = await _fetch_inline(session, _compile(statement, engine.dialect), values)
        if rows is not None:
            return rows
    mappings: Sequence[ResultRow] = (await execute(session, statement, values)).mappings().all()
    return mappings


async def fetch_one(session: Session, statement: Select[Any], values: Mapping[str, Any]) -> ResultRow | None:
    """The row ``statement`` reads with ``values`` bound, or None when it finds none."""
    rows = await fetch_all(session, statement, values)
    return rows[0] if rows else None
