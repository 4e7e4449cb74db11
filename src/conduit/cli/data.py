"""``conduit demo-data``, ``export`` and ``import``: bulk data in and out of the database."""

import secrets
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.cli.common import run
from conduit.cli.demo import DEMO_PASSWORD, DemoPlan, insert_demo_data
from conduit.db.transfer import TransferError, count_rows, export_rows, import_rows


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

    async def work(engine: AsyncEngine) -> dict[str, int]:
        async with engine.begin() as connection:
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


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def export_data(path: Path) -> None:
    """Write every row to PATH as JSON Lines ('-' for standard output)."""

    async def work(engine: AsyncEngine) -> dict[str, int]:
        async with engine.connect() as connection:
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

    async def work(engine: AsyncEngine) -> dict[str, int]:
        async with engine.begin() as connection:
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
