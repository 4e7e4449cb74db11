"""Conduit's own commands on the ``conduit``/``litestar`` command line: demo data, users, export and import."""

import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.cli._utils import LitestarEnv
from litestar.plugins import CLIPluginProtocol
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import IntegrityError

from conduit.config import alchemy_config_of
from conduit.db.demo import DEMO_PASSWORD, DemoPlan, insert_demo_data
from conduit.db.transfer import TransferError, count_rows, export_rows, import_rows
from conduit.lib.exceptions import ConduitError
from conduit.lib.schema import checked
from conduit.server import run as run_server
from conduit.users.schemas import NewUser, UpdateUser
from conduit.users.services import UserService

T = TypeVar("T")


def database() -> SQLAlchemyAsyncConfig:
    """The database configuration of the application the command line loaded."""
    return alchemy_config_of(click.get_current_context().find_object(LitestarEnv).app)  # type: ignore[union-attr]


def run(work: Callable[[SQLAlchemyAsyncConfig], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on the application's database in a fresh event loop; close the connections before it ends."""
    alchemy = database()

    async def main() -> T:
        try:
            return await work(alchemy)
        finally:
            await alchemy.get_engine().dispose()

    return asyncio.run(main())


def refusal(error: ConduitError) -> click.ClickException:
    """The domain's refusal as the command's one-line error."""
    return click.ClickException("; ".join(error.messages))


def validated(schema: type[T], **fields: Any) -> T:
    """``fields`` checked by the same schema the API uses.

    Raises:
        click.ClickException: A field is invalid; the message names it.
    """
    try:
        return checked(schema, fields)
    except ConduitError as exc:
        raise refusal(exc) from None


def with_users(action: Callable[[UserService], Awaitable[T]]) -> T:
    """Run ``action`` with a user service in one transaction, committed when it succeeds."""

    async def work(alchemy: SQLAlchemyAsyncConfig) -> T:
        async with alchemy.get_session() as session, session.begin():
            try:
                return await action(UserService(session=session))
            except ConduitError as exc:
                raise refusal(exc) from None

    return run(work)


class ConduitCLIPlugin(CLIPluginProtocol):
    """Adds ``demo-data``, ``users``, ``export`` and ``import`` to the command line, and replaces ``run``."""

    def on_cli_init(self, cli: click.Group) -> None:
        cli.add_command(run_server)
        cli.add_command(demo_data)
        cli.add_command(users)
        cli.add_command(export_data)
        cli.add_command(import_data)


@click.command("demo-data")
@click.option("--users", "user_count", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--articles", "article_count", type=click.IntRange(min=0), default=200, show_default=True)
@click.option("--seed", type=int, default=None, help="Same seed and --until, same data. Random when left out.")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the demo's year of activity ends on (UTC). Today when left out.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def demo_data(user_count: int, article_count: int, seed: int | None, until: datetime | None, quiet: bool) -> None:
    """Fill an empty database with demo users, articles, tags, comments, follows and favorites.

    Every demo account's password is 'conduit-demo'.
    """
    plan = DemoPlan(
        users=user_count,
        articles=article_count,
        seed=seed if seed is not None else secrets.randbits(32),
        now=(until or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC),
    )

    async def work(alchemy: SQLAlchemyAsyncConfig) -> dict[str, int]:
        async with alchemy.get_engine().begin() as connection:
            existing = await count_rows(connection)
            if any(existing.values()):
                msg = "the database already holds data; demo data goes into an empty database only"
                raise click.ClickException(msg)
            with _progress(quiet) as progress:
                tasks = {}
                if progress is not None:
                    tasks = {table: progress.add_task(table, total=total) for table, total in plan.row_counts().items()}

                def advance(table: str, rows: int) -> None:
                    if progress is not None:
                        progress.advance(tasks[table], rows)

                return await insert_demo_data(connection, plan, advance)

    started = datetime.now(UTC)
    written = run(work)
    seconds = (datetime.now(UTC) - started).total_seconds()
    total = sum(written.values())
    summary = ", ".join(f"{count} {table}" for table, count in written.items())
    click.echo(f"wrote {summary} in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f} rows/s), seed {plan.seed}")
    click.echo(f"demo accounts sign in with the password {DEMO_PASSWORD!r}")


def _progress(quiet: bool) -> AbstractContextManager[Progress | None]:
    if quiet or not sys.stderr.isatty():
        return nullcontext()
    return Progress(
        TextColumn("{task.description:>12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    )


@click.group("users")
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.password_option("--password", help="Prompted for when left out.")
def create_user(username: str, email: str, password: str) -> None:
    """Create an account."""
    new = validated(NewUser, username=username, email=email, password=password)
    with_users(lambda service: service.register(username=new.username, email=new.email, password=new.password))
    click.echo(f"created user {new.username!r}")


@users.command("reset-password")
@click.argument("username")
@click.password_option("--password", help="Prompted for when left out.")
def reset_password(username: str, password: str) -> None:
    """Give an account a new password; its sessions and tokens end."""
    new_password = validated(UpdateUser, password=password).password

    async def action(service: UserService) -> None:
        await service.update_account(await service.get_by_username(username), {"password": new_password})

    with_users(action)
    click.echo(f"password of {username!r} changed")


@users.command("disable")
@click.argument("username")
def disable_user(username: str) -> None:
    """Stop an account from signing in; its sessions and tokens end too."""
    with_users(lambda service: service.set_active(username, active=False))
    click.echo(f"disabled {username!r}")


@users.command("sign-out-everywhere")
@click.argument("username")
def sign_out_everywhere(username: str) -> None:
    """End every browser session of an account and revoke its API tokens."""

    async def action(service: UserService) -> None:
        await service.sign_out_everywhere(await service.get_by_username(username))

    with_users(action)
    click.echo(f"signed {username!r} out everywhere")


@users.command("revoke-tokens")
@click.argument("username")
def revoke_tokens(username: str) -> None:
    """Make every API token of an account answer 401; its browser sessions go on."""

    async def action(service: UserService) -> None:
        await service.revoke_tokens(await service.get_by_username(username))

    with_users(action)
    click.echo(f"revoked the API tokens of {username!r}")


@users.command("enable")
@click.argument("username")
def enable_user(username: str) -> None:
    """Let a disabled account sign in again."""
    with_users(lambda service: service.set_active(username, active=True))
    click.echo(f"enabled {username!r}")


@users.command("delete")
@click.argument("username")
@click.confirmation_option(prompt="Delete the account with all its articles, comments, follows and favorites?")
def delete_user(username: str) -> None:
    """Delete an account with all its articles, comments, follows and favorites."""
    with_users(lambda service: service.remove(username))
    click.echo(f"deleted {username!r}")


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def export_data(path: Path) -> None:
    """Write every row to PATH as JSON Lines ('-' for standard output)."""

    async def work(alchemy: SQLAlchemyAsyncConfig) -> dict[str, int]:
        async with alchemy.get_engine().connect() as connection:
            if str(path) == "-":
                return await export_rows(connection, sys.stdout)
            partial = path.with_name(path.name + ".partial")
            with partial.open("w", encoding="utf-8") as out:
                counts = await export_rows(connection, out)
            partial.replace(path)
            return counts

    counts = run(work)
    click.echo(f"exported {_describe(counts)}", err=str(path) == "-")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete the data already in the database first.")
def import_data(path: Path, replace: bool) -> None:
    """Load a dump made by 'export' into an empty database; nothing is written if anything is wrong."""

    async def work(alchemy: SQLAlchemyAsyncConfig) -> dict[str, int]:
        async with alchemy.get_engine().begin() as connection:
            with sys.stdin if str(path) == "-" else path.open(encoding="utf-8") as lines:
                try:
                    return await import_rows(connection, lines, replace=replace)
                except TransferError as exc:
                    raise click.ClickException(str(exc)) from None
                except IntegrityError as exc:
                    detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
                    raise click.ClickException(f"the dump is inconsistent: {detail}") from None
                except UnicodeDecodeError:
                    raise click.ClickException("the file is not UTF-8 text") from None

    click.echo(f"imported {_describe(run(work))}")


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {table}" for table, count in counts.items())
