"""The ``conduit`` command line as an operator starts it: its help, its errors, and what each command imports.

Start-up time is kept down by importing only what a command needs; which modules a command loads is
checked here (a timing would depend on the machine), with the budget measured in the README.
"""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES, TEST_SECRET, Conduit, ScratchDatabase
from tests.support.databases import migrate_afresh

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="how the command line starts does not depend on the database")

PROBE = """
import json, runpy, sys
sys.argv = ["conduit", *sys.argv[1:]]
try:
    runpy.run_module("conduit", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
"""Runs ``conduit ARGS`` and writes the names of every module it imported, as JSON, on the last line of stderr."""


def run_cli(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run the ``conduit`` command line; a stray ``LITESTAR_APP`` must not matter."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "conduit", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "LITESTAR_APP": "elsewhere:app", **environment},
        timeout=120,
        check=False,
    )


def imported_by(*arguments: str, tmp_path: Path) -> set[str]:
    """The top-level packages ``conduit ARGS`` imports."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE, *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "CONDUIT_VAR_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET},
        timeout=120,
        check=False,
    )
    modules: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return {module.partition(".")[0] for module in modules}


def test_help_describes_conduit_and_its_commands() -> None:
    result = run_cli("--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: conduit [OPTIONS] COMMAND [ARGS]...")
    assert "Conduit, the social blogging platform" in result.stdout
    for command in ("run", "database", "users", "sessions", "demo-data", "export", "import"):
        assert f"\n  {command} " in result.stdout
    assert "LITESTAR_APP" not in result.stdout
    assert "autodiscover" not in result.stdout


def test_the_sessions_help_points_to_the_users_commands_that_end_api_tokens() -> None:
    sessions_help, users_help = run_cli("sessions", "--help"), run_cli("users", "--help")

    text = " ".join(sessions_help.stdout.split())
    assert "conduit users revoke-tokens NAME" in text
    assert "conduit users sign-out-everywhere NAME" in text
    for command in ("revoke-tokens", "sign-out-everywhere"):
        assert f"\n  {command} " in users_help.stdout


def test_version() -> None:
    result = run_cli("--version")

    assert (result.returncode, result.stdout.strip()) == (0, "conduit 0.1.0")


def test_database_commands_are_on_the_conduit_command_line(conduit: Conduit, suite_database_url: str) -> None:
    result = conduit("database", "--help", database_url=suite_database_url)

    assert result.returncode == 0, result.stderr
    for command in ("upgrade", "downgrade", "make-migrations", "show-current-revision", "drop-all", "dump-data"):
        assert command in result.stdout


def litestar(*arguments: str, database_url: str, tmp_path: Path, answer: str = "") -> subprocess.CompletedProcess[str]:
    """Litestar's own command line on Conduit's application factory; ``answer`` is typed at its prompt."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "litestar", "--app", "conduit.app:create_app", *arguments],
        input=answer,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url, "CONDUIT_VAR_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET},
        timeout=120,
        check=False,
    )


def test_litestars_command_line_knows_the_routes_and_the_database_commands(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()

    routes = litestar("routes", database_url=url, tmp_path=tmp_path)
    upgraded = litestar("database", "upgrade", "--no-prompt", database_url=url, tmp_path=tmp_path)
    current = litestar("database", "show-current-revision", database_url=url, tmp_path=tmp_path)

    assert routes.returncode == 0, routes.stderr
    assert "/api/articles/feed" in routes.stdout
    assert "/healthz" in routes.stdout
    assert upgraded.returncode == 0, upgraded.stderr
    assert current.returncode == 0, current.stderr
    assert "head" in current.stdout + current.stderr


def test_bad_settings_stop_the_command_line_with_one_clear_line() -> None:
    result = run_cli("users", "list", CONDUIT_ENV="production", SECRET_KEY="")

    assert result.returncode == 1
    assert result.stderr.strip() == "conduit: configuration error: SECRET_KEY must be set when CONDUIT_ENV=production"


def test_several_workers_reading_replicas_need_redis_for_each_clients_last_write() -> None:
    replicas = {"DATABASE_URL": "postgresql+asyncpg://primary/c", "DATABASE_REPLICA_URLS": "postgresql+asyncpg://r/c"}
    result = run_cli("run", "--wc", "2", **replicas, REDIS_URL="")

    assert result.returncode == 2
    assert "with DATABASE_REPLICA_URLS, several workers need REDIS_URL" in result.stderr


def test_an_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate")

    assert result.returncode == 2
    assert "No such command 'frobnicate'" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "left_out"),
    [
        (("--help",), {"sqlalchemy", "litestar", "advanced_alchemy", "granian", "structlog"}),
        (("users", "list"), {"alembic", "jinja2", "structlog", "granian", "markdown_it", "rich_click"}),
    ],
)
def test_a_command_imports_only_what_it_needs(tmp_path: Path, arguments: tuple[str, ...], left_out: set[str]) -> None:
    imported = imported_by(*arguments, tmp_path=tmp_path)

    assert imported & left_out == set()


def test_litestars_sessions_commands_delete_conduits_browser_sessions(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()
    migrate_afresh(url)
    database = make_url(url).database
    assert database is not None
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO sessions (id, key, namespace, value, expires_at) VALUES (?, ?, 'conduit', ?, ?)",
            [(uuid.uuid4().hex, key, b"{}", "2999-01-01 00:00:00") for key in ("one", "two")],
        )

    cleared = litestar("sessions", "clear", database_url=url, tmp_path=tmp_path, answer="y\n")

    assert cleared.returncode == 0, cleared.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
