"""Alembic's environment: migrations run on the engine of Conduit's one database configuration."""

import asyncio
from typing import Any, cast

from advanced_alchemy.alembic.commands import AlembicCommandConfig
from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.db.migration_rules import compare_type, include_name, render_item
from conduit.db.models import orm_registry

config: AlembicCommandConfig = context.config  # type: ignore[assignment]


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=orm_registry.metadata,
        compare_type=compare_type if config.compare_type else False,
        render_item=render_item,
        include_name=include_name,
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
    """Run the migrations in one transaction on the configured engine.

    On SQLite, a revision that changes a table's constraints copies the table, drops the old one and
    renames the copy. Foreign keys are therefore off while migrations run (dropping ``users`` would
    otherwise delete every row that refers to it), renaming leaves the triggers' text alone, and the
    foreign keys are checked once the copy is in place.
    """
    engine = cast(AsyncEngine, config.engine)
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
            await connection.commit()  # the migrations open their own transaction
        await connection.run_sync(_run_migrations)
        if sqlite:
            violations = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if violations:
                msg = f"the migrated database breaks {len(violations)} foreign keys, first {violations[0]}"
                raise RuntimeError(msg)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
