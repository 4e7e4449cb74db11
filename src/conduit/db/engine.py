"""How Conduit opens its database: SQLAlchemy's async engine, with SQLite made fit for a web server."""

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for the lock before the request is answered with a retryable 503."""


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """Create the engine; on SQLite, enforce foreign keys and let readers work beside a writer."""
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def closing_connections(
    alchemy: SQLAlchemyAsyncConfig,
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
