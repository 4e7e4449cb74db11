"""How Conduit opens its database (SQLAlchemy's async engine, with SQLite made fit for a web server), and how it tells
the database's failures apart: "not now" (retry), a duplicate, a row that is gone.

The application (through ``conduit.config.alchemy_config``) and the command line open it the same way:
``create_engine(settings.database_url, **engine_options(settings))``.
"""

import contextlib
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advanced_alchemy.exceptions import AdvancedAlchemyError
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from conduit.lib.settings import ImproperlyConfiguredError, Settings

if TYPE_CHECKING:
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for the lock before the request is answered with a retryable 503."""


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """Create the engine; on SQLite, enforce foreign keys and let readers work beside a writer.

    A SQLite file's folder is created with it, as SQLite creates the file.

    Raises:
        ImproperlyConfiguredError: The SQLite file's folder does not exist and cannot be created.
    """
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            folder = Path(engine.url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                msg = f"DATABASE_URL: cannot create {folder}, the folder of the SQLite database ({exc.strerror})"
                raise ImproperlyConfiguredError(msg) from None
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def engine_options(settings: Settings) -> dict[str, Any]:
    """The connection pool: ``DATABASE_POOL_*`` connections per process (SQLAlchemy's pool), or none in front of
    PgBouncer.

    Through PgBouncer in transaction mode, consecutive transactions of one client connection may run on
    different server connections, so prepared statements cannot be kept between them: PgBouncer is the
    pool (as SQLAlchemy's asyncpg documentation advises), and statements get unique names and no cache.
    """
    if settings.database_pgbouncer:
        return {"echo": settings.database_echo, "poolclass": NullPool, "connect_args": pgbouncer_connect_args()}
    return {
        "echo": settings.database_echo,
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout_seconds,
        # No ping per checkout (a round trip per request): a connection the database dropped fails
        # once, answered with a retryable 503, and SQLAlchemy then replaces the pool's connections.
        "pool_pre_ping": False,
    }


def pool_limit(settings: Settings) -> int:
    """Most connections one process opens (0: no client-side pool, PgBouncer limits them)."""
    return 0 if settings.database_pgbouncer else settings.database_pool_size + settings.database_max_overflow


def _configure_sqlite_connection(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def closing_connections(
    alchemy: "SQLAlchemyAsyncConfig",
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan closing the engine's connections when the app stops.

    Advanced Alchemy's own lifespan does this only while its app-state keys keep their default names;
    in a process that builds several apps (the test suite, the command line) it renames them and skips it.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await alchemy.get_engine().dispose()

    return lifespan


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg's arguments for PgBouncer in transaction mode: no statement caches, and statement names that
    cannot collide with another client's on a shared server connection."""
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def _unique_statement_name() -> str:
    return f"__conduit_{uuid.uuid4().hex}__"


TRANSIENT_SQLSTATES = {
    "40001",  # serialization failure
    "40P01",  # deadlock detected
    "55P03",  # lock not available
    "57014",  # statement timeout or cancelled
    "57P01",  # admin shutdown
    "57P02",  # crash shutdown
    "57P03",  # cannot connect now (starting up, shutting down)
    "53300",  # too many connections
    "08000",
    "08001",
    "08003",
    "08004",
    "08006",  # connection failures
}
"""PostgreSQL error classes that mean "not now", not "never": a retry can succeed."""
_POSTGRES_KEY = re.compile(r"Key \((?:lower\()?(?:canonical_)?(?P<column>\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: \w+\.(?:canonical_)?(?P<column>\w+)")
"""The column a unique constraint names; a ``canonical_`` column (``canonical_username``) speaks for its field."""


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve us right now (a retry may succeed)."""
    for error in _chain(exc):
        if isinstance(error, PoolTimeoutError | ConnectionError | TimeoutError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if getattr(error, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            return True
        if isinstance(error, sqlite3.OperationalError) and str(error).startswith(
            ("database is locked", "database table is locked", "database is busy", "disk I/O error")
        ):
            return True
        if type(error).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and "closed" in str(error):
            return True
    return False


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a unique constraint refusing a duplicate (a race another request won)."""
    return taken_field(exc) is not None


def taken_field(exc: BaseException) -> str | None:
    """The column a unique constraint refused a duplicate for (``username``), or None for other errors.

    Checks before writes name a taken username or email; when two requests race past the check, the
    database's unique index decides, and this names the field all the same.
    """
    for error in _chain(exc):
        if getattr(error, "sqlstate", None) == "23505":
            detail = getattr(error, "detail", None) or ""
            match = _POSTGRES_KEY.match(detail)
            return match["column"] if match else "value"
        if isinstance(error, sqlite3.IntegrityError) and (match := _SQLITE_UNIQUE.match(str(error))):
            return match["column"]
    return None


def refers_to_deleted_row(exc: BaseException) -> bool:
    """Whether ``exc`` is a foreign key refusing a row whose parent (an article, a user) was just deleted."""
    for error in _chain(exc):
        if getattr(error, "sqlstate", None) == "23503":
            return True
        if isinstance(error, sqlite3.IntegrityError) and str(error).startswith("FOREIGN KEY constraint failed"):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and the driver errors SQLAlchemy wraps (each once)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending.extend([error.__cause__, error.__context__])
        if isinstance(error, DBAPIError | AdvancedAlchemyError):
            orig = getattr(error, "orig", None)
            pending.append(orig if isinstance(orig, BaseException) else None)


def describe_cause(exc: BaseException) -> str:
    """The innermost error behind ``exc`` in one line (``ConnectionRefusedError: ...``), for a log line."""
    *_, root = _chain(exc)
    return first_line(root)


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
