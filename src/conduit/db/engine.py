"""How Conduit opens its database: SQLAlchemy's async engine, with SQLite made fit for a web server.

The application (through ``conduit.config.alchemy_config``) and the command line open it the same way:
``create_engine(settings.database_url, **engine_options(settings))``.
"""

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
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
