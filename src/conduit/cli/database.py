"""``conduit database``: Advanced Alchemy's Alembic commands, on the database the settings name."""

import click
from advanced_alchemy.cli import add_migration_commands

from conduit.lib.settings import Settings


@click.group("database")
@click.pass_context
def database(ctx: click.Context) -> None:
    """Migrate the schema and other database chores (upgrade, downgrade, check, make-migrations, ...)."""
    from conduit.config import alchemy_config  # the app's configuration: imported by a command, not by --help
    from conduit.lib.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings)  # Alembic's lines ("Running upgrade ...") in the app's format
    ctx.obj = {"configs": [alchemy_config(settings)]}


add_migration_commands(database)
