"""Scratch databases, and the ``conduit`` command line run against them.

Commands run in this process through ``conduit.__main__.main``, exactly as the console script
runs them, with ``DATABASE_URL`` pointing at a scratch database (starting a Python process per
command would cost seconds).
"""

import asyncio
import contextlib
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.__main__ import main
from conduit.db.models import orm_registry
from conduit.db.transfer import count_rows
from tests.conftest import TEST_SECRET

TABLES = orm_registry.metadata.sorted_tables


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Conduit = Callable[..., Result]


@pytest.fixture
def conduit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Conduit:
    """Run ``conduit ARGS`` against ``database_url``, as an operator would, and collect what it says."""

    def run(*arguments: str, database_url: str, stdin: str = "") -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "argv", ["conduit", *arguments])
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        for name, value in {
            "COLUMNS": "200",
            "DATABASE_URL": database_url,
            "CONDUIT_ENV": "development",
            "CONDUIT_VAR_DIR": str(tmp_path),
            "SECRET_KEY": TEST_SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        code: Any = 0
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
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
    """How many rows each Conduit table (browser sessions included) holds; tables that do not exist are left out."""

    async def count(connection: Any) -> dict[str, int]:
        existing = set(await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync)))
        return await count_rows(connection, [table for table in TABLES if table.name in existing])

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
