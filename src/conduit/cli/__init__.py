"""``conduit``, the command line: serve the app, migrate its database, manage accounts, sessions and data.

A command's module is imported only when that command runs, and none builds the whole application, so
``conduit --help`` answers at once and a database command pays for the database layer alone. Litestar's own
commands that inspect the application (``routes``, ``schema``, ``info``) are Litestar's command line, pointed at the
factory: ``litestar --app conduit.app:create_app routes``; its ``database`` and ``sessions`` groups work there too.
"""

import importlib

import click

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("conduit.cli.server:run", "Serve Conduit over HTTP, with one or more worker processes."),
    "workers": ("conduit.cli.workers:workers", "Work the job queue (mail) in a process of its own."),
    "database": ("conduit.cli.database:database", "Migrate the schema (Alembic) and other database chores."),
    "users": ("conduit.cli.users:users", "List, create, disable and delete accounts; end their sessions and tokens."),
    "sessions": ("conduit.cli.sessions:sessions", "Sign browsers out: delete one session or all."),
    "demo-data": ("conduit.cli.data:demo_data", "Fill an empty database with demo accounts and articles."),
    "export": ("conduit.cli.data:export_data", "Write every row to a JSON Lines file."),
    "import": ("conduit.cli.data:import_data", "Load an export into an empty database."),
}
"""Every command: where it is defined, and the line ``conduit --help`` shows for it."""


class ConduitGroup(click.Group):
    """A command group that imports each command when it is asked for, and lists them without importing any."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


@click.group(cls=ConduitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conduit", message="conduit %(version)s")
def conduit() -> None:
    """Conduit, the social blogging platform (the RealWorld API and its web app).

    Every command reads its settings from environment variables (DATABASE_URL, SECRET_KEY,
    CONDUIT_ENV, ... listed in the README) and works on the database DATABASE_URL names; without
    it, on the SQLite file var/conduit.sqlite3 under the current folder. Run 'conduit COMMAND
    --help' for a command's options.
    """
