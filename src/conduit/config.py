"""The one canonical database configuration and the plugin that registers it."""

from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from conduit.db.models import orm_registry
from conduit.lib.settings import get_settings

settings = get_settings()
MIGRATIONS_DIR = Path(__file__).parent / "db" / "migrations"


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
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


alchemy_config = SQLAlchemyAsyncConfig(
    connection_string=settings.database_url,
    create_engine_callable=create_engine,
    engine_config=EngineConfig(
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,
    ),
    metadata=orm_registry.metadata,
    before_send_handler="autocommit_include_redirects",
    session_dependency_key="db_session",
    engine_dependency_key="db_engine",
    session_config=AsyncSessionConfig(expire_on_commit=False),
    create_all=settings.environment == "test",
    alembic_config=AlembicAsyncConfig(
        script_location=str(MIGRATIONS_DIR),
        script_config="",
        version_table_name="alembic_versions",
        compare_type=True,
        render_as_batch=True,
        user_module_prefix=None,
    ),
)
"""Request-scoped sessions come from here: committed on 2xx and 3xx responses (a form post answers with a
redirect), rolled back on anything else."""

alchemy_plugin = SQLAlchemyPlugin(config=alchemy_config)
