"""Alembic's environment: migrations run on the engine of Conduit's one database configuration."""

import asyncio
from typing import Any, cast

from advanced_alchemy.alembic.commands import AlembicCommandConfig
from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.db.migration_rules import compare_type, render_item
from conduit.db.models import orm_registry

config: AlembicCommandConfig = context.config  # type: ignore[assignment]


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=orm_registry.metadata,
        compare_type=compare_type if config.compare_type else False,
        render_item=render_item,
        render_as_batch=config.render_as_batch,
        user_module_prefix=config.user_module_prefix,
        version_table=config.version_table_name,
        version_table_schema=config.version_table_schema,
        **options,
    )


def run_migrations_offline() -> None:
    """Write the SQL to standard output instead of running it."""
    _configure(url=config.db_url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_migrations(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    """Run the migrations in one transaction on the configured engine."""
    engine = cast(AsyncEngine, config.engine)
    async with engine.connect() as connection:
        await connection.run_sync(_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
