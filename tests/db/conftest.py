"""Scratch databases, and the ``conduit`` command line run against them.

Commands run in this process through ``conduit.__main__.main``, exactly as the console
script runs them, with the one database configuration pointed at a scratch database for
the duration of the command (starting a Python process per command would cost seconds).
"""

import asyncio
import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.cli.main import litestar_group
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.__main__ import main
from conduit.config import alchemy_config
from conduit.db.models import orm_registry

TABLES = orm_registry.metadata.sorted_tables


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Conduit = Callable[..., Result]


@contextlib.contextmanager
def _database(url: str) -> Iterator[None]:
    saved = (alchemy_config.connection_string, alchemy_config.engine_instance, alchemy_config.session_maker)
    alchemy_config.connection_string, alchemy_config.engine_instance, alchemy_config.session_maker = url, None, None
    try:
        yield
    finally:
        alchemy_config.connection_string, alchemy_config.engine_instance, alchemy_config.session_maker = saved


@pytest.fixture
def conduit(monkeypatch: pytest.MonkeyPatch) -> Conduit:
    """Run ``conduit ARGS`` against ``database_url``, as an operator would, and collect what it says."""

    def run(*arguments: str, database_url: str, stdin: str = "") -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "argv", ["conduit", *arguments])
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        monkeypatch.setenv("COLUMNS", "200")
        # Litestar's command group loads the app once per process; make it load it for this command too.
        monkeypatch.setattr(litestar_group, "_prepare_done", False)
        code: Any = 0
        with _database(database_url), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code
        if isinstance(code, str):
            stderr.write(code + "\n")
            code = 1
        return Result(int(code or 0), stdout.getvalue(), stderr.getvalue())

    return run


def read_database(database_url: str, query: Callable[[Any], Any]) -> Any:
    """Run the coroutine function ``query(connection)`` on a connection of its own to ``database_url``."""

    async def read() -> Any:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await query(connection)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def row_counts(database_url: str) -> dict[str, int]:
    """How many rows each Conduit table holds; tables that do not exist are left out."""

    async def count(connection: Any) -> dict[str, int]:
        existing = set(await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync)))
        return {
            table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in TABLES
            if table.name in existing
        }

    result: dict[str, int] = read_database(database_url, count)
    return result


def all_rows(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every Conduit table, in primary key order."""

    async def fetch(connection: Any) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in TABLES:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [dict(row) for row in result.mappings()]
        return rows

    result: dict[str, list[dict[str, Any]]] = read_database(database_url, fetch)
    return result
