"""Conduit's own commands end to end through the command line: demo data, users, export and import."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from conduit.db.models import SessionRecord, User
from conduit.lib.passwords import verify_password
from tests.conftest import ON_POSTGRES, Conduit, ScratchDatabase
from tests.db.conftest import all_rows, migrated, read_database, row_counts, stored_user


def password_matches(password_hash: str, password: str) -> bool:
    return asyncio.run(verify_password(password_hash, password))


def test_demo_data_fills_every_table_and_is_deterministic(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    first, second = migrated(conduit, scratch_database), migrated(conduit, scratch_database)

    results = [
        conduit(
            "demo-data", "--users", "30", "--articles", "120", "--seed", "42", "--until", "2026-06-30", database_url=url
        )
        for url in (first, second)
    ]

    for result in results:
        assert result.returncode == 0, result.stderr
        assert "rows/s" in result.stdout
    counts = row_counts(first)
    assert counts["users"] == 30
    assert counts["articles"] == 120
    assert all(counts[table] > 0 for table in ("follows", "tags", "article_tags", "favorites", "comments"))
    first_rows, second_rows = all_rows(first), all_rows(second)
    assert first_rows == second_rows
    demo_user = first_rows["users"][0]
    assert password_matches(demo_user["password_hash"], "conduit-demo")


def test_demo_data_refuses_a_database_with_data(conduit: Conduit, scratch_database: ScratchDatabase) -> None:
    url = migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "3", "--articles", "3", "--seed", "1", database_url=url)
    before = row_counts(url)

    result = conduit("demo-data", "--users", "3", "--articles", "3", database_url=url)

    assert result.returncode == 1
    assert "already holds data" in result.stderr
    assert row_counts(url) == before


def test_user_administration(conduit: Conduit, scratch_database: ScratchDatabase) -> None:
    url = migrated(conduit, scratch_database)
    account = ("--username", "ann", "--email", "Ann@Example.org", "--password", "first password")

    created = conduit("users", "create", *account, database_url=url)
    duplicate = conduit("users", "create", *account, database_url=url)
    invalid = conduit("users", "create", "--username", "b", "--email", "nope", "--password", "x" * 8, database_url=url)
    reset = conduit("users", "reset-password", "ann", "--password", "second password", database_url=url)
    too_short = conduit("users", "reset-password", "ann", "--password", "short", database_url=url)
    after_reset = stored_user(url, "ann")
    disabled = conduit("users", "disable", "ann", database_url=url)
    after_disable = stored_user(url, "ann")
    enabled = conduit("users", "enable", "ann", database_url=url)
    after_enable = stored_user(url, "ann")
    deleted = conduit("users", "delete", "ann", "--yes", database_url=url)

    assert (created.returncode, created.stdout.strip()) == (0, "created user 'ann'")
    assert duplicate.returncode == 1
    assert "username has already been taken; email has already been taken" in duplicate.stderr
    assert invalid.returncode == 1
    assert "email is invalid" in invalid.stderr
    assert reset.returncode == 0
    assert too_short.returncode == 1
    assert "password must have at least 8 characters" in too_short.stderr
    assert after_reset is not None
    assert after_reset["email"] == "ann@example.org"
    assert password_matches(after_reset["password_hash"], "second password")
    assert not password_matches(after_reset["password_hash"], "first password")
    assert (disabled.returncode, after_disable is not None and after_disable["is_active"]) == (0, False)
    assert (enabled.returncode, after_enable is not None and after_enable["is_active"]) == (0, True)
    assert deleted.returncode == 0
    assert stored_user(url, "ann") is None


def test_deleting_a_user_removes_their_articles_and_everything_on_them(
    conduit: Conduit, scratch_database: ScratchDatabase
) -> None:
    url = migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "5", "--articles", "40", "--seed", "3", database_url=url)
    rows = all_rows(url)
    victim = rows["users"][0]
    own_articles = {row["id"] for row in rows["articles"] if row["author_id"] == victim["id"]}

    result = conduit("users", "delete", victim["username"], "--yes", database_url=url)

    assert result.returncode == 0, result.stderr
    after = all_rows(url)
    assert victim["id"] not in {row["id"] for row in after["users"]}
    assert not own_articles & {row["id"] for row in after["articles"]}
    assert all(row["article_id"] not in own_articles for row in after["comments"] + after["favorites"])
    assert all(victim["id"] not in (row["follower_id"], row["followed_id"]) for row in after["follows"])


@pytest.mark.parametrize(
    ("source_backend", "target_backend"),
    [("suite", "suite"), ("sqlite", "postgresql"), ("postgresql", "sqlite")],
)
def test_export_import_round_trip_loses_nothing(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path, source_backend: str, target_backend: str
) -> None:
    if "postgresql" in (source_backend, target_backend) and not ON_POSTGRES:
        pytest.skip("the cross-backend round trip runs in the PostgreSQL pass of the suite")
    source = migrated(conduit, scratch_database, backend=None if source_backend == "suite" else source_backend)
    target = migrated(conduit, scratch_database, backend=None if target_backend == "suite" else target_backend)
    conduit("demo-data", "--users", "25", "--articles", "80", "--seed", "9", database_url=source)
    conduit("users", "disable", (all_rows(source))["users"][0]["username"], database_url=source)
    feed_reader = all_rows(source)["users"][1]["username"]

    async def give_a_private_feed(connection: Any) -> None:
        chosen = update(User).where(User.username == feed_reader)
        await connection.execute(chosen.values(feed_token_hash="a1" * 32, feed_token_version=3))
        await connection.commit()

    read_database(source, give_a_private_feed)
    dump = tmp_path / "conduit.jsonl"

    exported = conduit("export", str(dump), database_url=source)
    imported = conduit("import", str(dump), database_url=target)

    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    source_rows, target_rows = all_rows(source), all_rows(target)
    feeds = [(row["username"], row["feed_token_hash"]) for row in target_rows["users"] if row["feed_token_hash"]]
    assert feeds == [(feed_reader, "a1" * 32)]  # the hash travels, like the password's
    for table, rows in source_rows.items():
        assert len(target_rows[table]) == len(rows), table
        for original, copy in zip(rows, target_rows[table], strict=True):
            assert copy == original, table
    added = conduit(
        "users",
        "create",
        "--username",
        "newcomer",
        "--email",
        "n@example.org",
        "--password",
        "p" * 10,
        database_url=target,
    )
    assert added.returncode == 0, added.stderr


def test_import_refuses_a_database_with_data_unless_told_to_replace_it(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    source, target = migrated(conduit, scratch_database), migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "4", "--articles", "6", "--seed", "5", database_url=source)
    conduit("demo-data", "--users", "2", "--articles", "1", "--seed", "6", database_url=target)
    dump = tmp_path / "dump.jsonl"
    conduit("export", str(dump), database_url=source)
    before = row_counts(target)

    refused = conduit("import", str(dump), database_url=target)
    kept = row_counts(target)
    replaced = conduit("import", str(dump), "--replace", database_url=target)

    assert refused.returncode == 1
    assert "the database is not empty" in refused.stderr
    assert kept == before
    assert replaced.returncode == 0, replaced.stderr
    assert all_rows(target) == all_rows(source)


def _corrupt(dump: Path, how: str) -> None:
    lines = dump.read_text().splitlines(keepends=True)
    if how == "truncated":
        dump.write_text("".join(lines[: len(lines) // 2]))
    elif how == "cut mid-line":
        text = "".join(lines)
        dump.write_text(text[: len(text) // 2])
    elif how == "not json":
        lines[3] = "{not json\n"
        dump.write_text("".join(lines))
    elif how == "unknown table":
        lines[3] = json.dumps({"table": "secrets", "row": {}}) + "\n"
        dump.write_text("".join(lines))
    elif how == "dangling reference":
        record = json.loads(lines[-2])
        key = next(name for name in record["row"] if name.endswith("_id"))
        record["row"][key] = "00000000-0000-7000-8000-000000000000" if isinstance(record["row"][key], str) else 999_999
        lines[-2] = json.dumps(record) + "\n"
        dump.write_text("".join(lines))
    elif how == "not an export":
        dump.write_text('{"hello": "world"}\n')


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "the dump is truncated"),
        ("cut mid-line", "not valid JSON"),
        ("not json", "line 4: not valid JSON"),
        ("unknown table", "line 4: expected a row of a known table"),
        ("dangling reference", "the dump is inconsistent"),
        ("not an export", "not a Conduit export"),
    ],
)
def test_a_bad_dump_gives_a_clear_error_and_writes_nothing(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path, how: str, message: str
) -> None:
    source, target = migrated(conduit, scratch_database), migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "4", "--articles", "6", "--seed", "5", database_url=source)
    dump = tmp_path / "dump.jsonl"
    conduit("export", str(dump), database_url=source)
    _corrupt(dump, how)
    before = row_counts(target)

    result = conduit("import", str(dump), database_url=target)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert row_counts(target) == before
    assert sum(before.values()) == 1  # the database is empty but for the articles counter


def test_export_leaves_browser_sessions_out(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = migrated(conduit, scratch_database)
    conduit("demo-data", "--users", "2", "--articles", "1", "--seed", "1", database_url=url)

    async def add_session(connection: AsyncConnection) -> None:
        expires = datetime.now(UTC) + timedelta(days=1)
        row = {"id": uuid.uuid4(), "key": "secret-id", "namespace": "conduit", "value": b"{}", "expires_at": expires}
        await connection.execute(insert(SessionRecord), [row])
        await connection.commit()

    read_database(url, add_session)
    dump = tmp_path / "dump.jsonl"

    conduit("export", str(dump), database_url=url)

    assert "secret-id" not in dump.read_text()
    assert '"sessions"' not in dump.read_text()
