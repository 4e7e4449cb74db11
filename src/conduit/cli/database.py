"""``conduit database``: Advanced Alchemy's Alembic commands, on the database the settings name."""

import click
from advanced_alchemy.cli import add_migration_commands

from conduit.lib.settings import Settings


@click.group("database")
@click.pass_context
def database(ctx: click.Context) -> None:
    """Migrate the schema and other database chores (upgrade, downgrade, check, make-migrations, ...)."""
    from conduit.config import alchemy_config  # the app's configuration: imported by a command, not by --help

    ctx.obj = {"configs": [alchemy_config(Settings.from_env())]}


add_migration_commands(database)
