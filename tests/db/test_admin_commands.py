"""Administration from the command line: accounts, browser sessions, and errors that say what to do."""

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from conduit.db.models import SessionRecord
from tests.conftest import ON_POSTGRES, Conduit, ScratchDatabase
from tests.db.conftest import migrated, read_database, row_counts


def test_users_list_shows_every_account_or_the_disabled_ones(
    conduit: Conduit, scratch_database: ScratchDatabase
) -> None:
    url = migrated(conduit, scratch_database)
    for name in ("zoe", "adam", "mia"):
        conduit(
            "users",
            "create",
            "--username",
            name,
            "--email",
            f"{name}@example.org",
            "--password",
            "p" * 10,
            database_url=url,
        )
    conduit("users", "disable", "mia", database_url=url)

    everyone = conduit("users", "list", database_url=url)
    disabled = conduit("users", "list", "--disabled", database_url=url)

    assert everyone.returncode == 0, everyone.stderr
    lines = everyone.stdout.splitlines()
    assert lines[0].split() == ["USERNAME", "EMAIL", "STATUS", "JOINED"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["adam", "adam@example.org", "active"],
        ["mia", "mia@example.org", "disabled"],
        ["zoe", "zoe@example.org", "active"],
    ]
    assert everyone.stderr.strip() == "3 accounts"
    assert [line.split()[0] for line in disabled.stdout.splitlines()[1:]] == ["mia"]


@pytest.mark.parametrize(
    "arguments",
    [("users", "list"), ("users", "create", "--username", "ann", "--email", "a@example.org", "--password", "p" * 9)],
)
def test_a_database_without_tables_says_to_run_the_migrations(
    conduit: Conduit, scratch_database: ScratchDatabase, arguments: tuple[str, ...]
) -> None:
    result = conduit(*arguments, database_url=scratch_database())

    assert result.returncode == 1
    assert result.stderr.startswith("conduit: error: the database has no Conduit tables yet (")
    assert result.stderr.strip().endswith("run 'conduit database upgrade' first")


def test_importing_into_a_database_without_tables_says_to_run_the_migrations(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    source = migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "2", "--articles", "2", "--seed", "1", database_url=source)
    dump = tmp_path / "dump.jsonl"
    conduit("export", str(dump), database_url=source)

    result = conduit("import", str(dump), database_url=scratch_database())

    assert result.returncode == 1
    assert "run 'conduit database upgrade' first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_created_with_it(conduit: Conduit, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'not' / 'yet' / 'there.sqlite3'}"

    upgraded = conduit("database", "upgrade", "--no-prompt", database_url=url)
    listed = conduit("users", "list", database_url=url)

    assert upgraded.returncode == 0, upgraded.stderr
    assert (listed.returncode, listed.stderr.strip()) == (0, "0 accounts")


@pytest.mark.parametrize("command", [("users", "list"), ("database", "upgrade", "--no-prompt")])
def test_a_sqlite_folder_that_cannot_be_created_is_named(
    conduit: Conduit, tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url = f"sqlite+aiosqlite:///{tmp_path / 'a-file' / 'conduit.sqlite3'}"

    result = conduit(*command, database_url=url)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"conduit: configuration error: DATABASE_URL: cannot create {tmp_path / 'a-file'}, "
        "the folder of the SQLite database (File exists)"
    )


def test_a_missing_postgresql_database_is_named_with_what_to_do(conduit: Conduit) -> None:
    if not ON_POSTGRES:
        pytest.skip("needs the PostgreSQL server of the suite's PostgreSQL pass")
    url = make_url(os.environ["TEST_DATABASE_URL"]).set(database="conduit_never_created")

    result = conduit("users", "list", database_url=url.render_as_string(hide_password=False))

    assert result.returncode == 1
    assert result.stderr.strip() == (
        'conduit: error: database "conduit_never_created" does not exist: '
        "create it first (createdb conduit_never_created), then run 'conduit database upgrade'"
    )


def test_sessions_commands_delete_the_stored_sessions(conduit: Conduit, scratch_database: ScratchDatabase) -> None:
    url = migrated(conduit, scratch_database)
    expires = datetime.now(UTC) + timedelta(days=1)

    async def add_sessions(connection: AsyncConnection) -> None:
        rows = [
            {
                "id": uuid.uuid4(),
                "key": key,
                "namespace": "conduit",
                "value": b'{"user_id": "x"}',
                "expires_at": expires,
            }
            for key in ("first-session", "second-session", "third-session")
        ]
        await connection.execute(insert(SessionRecord), rows)
        await connection.commit()

    read_database(url, add_sessions)

    deleted = conduit("sessions", "delete", "first-session", database_url=url, stdin="y\n")
    after_delete = row_counts(url)["sessions"]
    unknown = conduit("sessions", "delete", "doesnotexist", "--yes", database_url=url)
    cleared = conduit("sessions", "clear", database_url=url, stdin="y\n")

    assert (deleted.returncode, deleted.stdout.splitlines()[-1]) == (
        0,
        "Sign this browser out? [y/N]: deleted session 'first-session'",
    )
    assert after_delete == 2
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "conduit: error: no session 'doesnotexist'")
    assert (cleared.returncode, cleared.stdout.strip().endswith("deleted 2 sessions")) == (0, True)
    assert row_counts(url)["sessions"] == 0
