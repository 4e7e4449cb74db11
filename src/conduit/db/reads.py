"""Running the read statements: through asyncpg directly where that is safe, through SQLAlchemy elsewhere.

A read on PostgreSQL runs on the engine's AUTOCOMMIT view (see ``lib.transactions``): no transaction to
track, no ORM objects to build. What SQLAlchemy still adds per statement there (cache lookups, a cursor
wrapper, a result object and a processor call per value) costs as much as the rest of the request. So such a
read runs the statement's SQL, compiled once per statement, on the asyncpg connection the session already
checked out, and gets asyncpg's records back. The statements are written so that their values need no
conversion on the way out (tags are sorted by the database, timestamps come back with their time zone).

Every other read (SQLite, PgBouncer, a read inside a write) goes through ``session.execute``. So does a read
while something watches the engine's SQL (``DATABASE_ECHO``, a ``before_cursor_execute`` listener such as a
tracer or a test counting statements), so that it sees every statement. And so does a read the fast path
failed on: SQLAlchemy runs it again, and either answers or reports the failure as it always does (wrapping
the driver's error, dropping a broken connection from the pool).

Callers read a row's columns by name (``row["slug"]``), the one access both kinds of row share.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_scoped_session
from sqlalchemy.sql.compiler import SQLCompiler


class ResultRow(Protocol):
    """A row of a read: its columns by name (``row["slug"]``)."""

    def __getitem__(self, key: str, /) -> Any: ...


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
        if (processor := bind.type.bind_processor(dialect)) is not None:
            convert[name] = processor
    entry = _Compiled(
        statement=statement,
        sql=str(compiled),
        names=tuple(compiled.positiontup),
        fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
        convert=convert,
    )
    _compiled[id(statement)] = entry
    return entry


def _watched(connection: AsyncConnection) -> bool:
    """Whether something watches the SQL ``connection`` runs: the engine's echo, or cursor listeners."""
    events = connection.sync_connection.dispatch if connection.sync_connection else None
    return bool(
        connection.sync_engine.echo or events is None or events.before_cursor_execute or events.after_cursor_execute
    )


async def fetch_all(session: Session, statement: Select[Any], values: Mapping[str, Any]) -> Sequence[ResultRow]:
    """The rows ``statement`` reads with ``values`` bound (every parameter without a value of its own)."""
    if getattr(session, "autocommits", False) and not _watched(connection := await session.connection()):
        compiled = _compile(statement, connection.dialect)
        driver = (await connection.get_raw_connection()).driver_connection
        try:
            rows: Sequence[ResultRow] = await driver.fetch(compiled.sql, *compiled.arguments(values))  # type: ignore[union-attr]
        except Exception:  # noqa: S110 - SQLAlchemy runs it again and reports what failed
            pass
        else:
            return rows
    mappings: Sequence[ResultRow] = (await session.execute(statement, values)).mappings().all()
    return mappings


async def fetch_one(session: Session, statement: Select[Any], values: Mapping[str, Any]) -> ResultRow | None:
    """The row ``statement`` reads with ``values`` bound, or None when it finds none."""
    rows = await fetch_all(session, statement, values)
    return rows[0] if rows else None
