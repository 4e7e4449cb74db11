"""Scratch databases, and the ``conduit`` command line run against them.

Commands run in this process through ``conduit.__main__.main``, exactly as the console
script runs them, with the one database configuration pointed at a scratch database for
the duration of the command (starting a Python process per command would cost seconds).
"""

import asyncio
import contextlib
import io
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.cli.main import litestar_group
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.__main__ import main
from conduit.config import alchemy_config
from conduit.db.models import orm_registry

SUITE_URL = make_url(str(alchemy_config.connection_string))
ON_POSTGRES = SUITE_URL.get_backend_name() == "postgresql"
TABLES = orm_registry.metadata.sorted_tables


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Conduit = Callable[..., Result]
ScratchDatabase = Callable[..., str]


def _on_postgres(statement: str) -> None:
    async def execute() -> None:
        connection = await asyncpg.connect(
            host=SUITE_URL.host,
            port=SUITE_URL.port,
            user=SUITE_URL.username,
            password=SUITE_URL.password,
            database="postgres",
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute())


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """Make empty databases on the suite's backend (or the one asked for), dropped afterwards."""
    created: list[str] = []

    def make(*, backend: str | None = None) -> str:
        if (backend or SUITE_URL.get_backend_name()) == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex}.sqlite3'}"
        name = f"conduit_scratch_{uuid.uuid4().hex[:12]}"
        _on_postgres(f'CREATE DATABASE "{name}"')
        created.append(name)
        return SUITE_URL.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        _on_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
