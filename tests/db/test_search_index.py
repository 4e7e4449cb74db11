"""The search index's revision on the suite's backend: it indexes the articles already there, goes away cleanly,
and is filled by its triggers when a dump is imported (it is never exported)."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from conduit.app import create_app
from tests.conftest import ON_POSTGRES, Conduit, ScratchDatabase, serve, settings_for
from tests.db.conftest import migrated, read_database

BEFORE_SEARCH = "69661170b0a6"
"""The revision before the search index's."""


def search(database_url: str, var_dir: Path, words: str) -> tuple[list[str], int]:
    """The titles ``GET /api/articles?search=words`` lists on the database, and its ``articlesCount``."""

    async def ask() -> tuple[list[str], int]:
        async with serve(create_app(settings_for(var_dir, database_url))) as client:
            response = await client.get("/api/articles", params={"search": words})
        assert response.status_code == 200, response.text
        listed = response.json()
        return [article["title"] for article in listed["articles"]], listed["articlesCount"]

    return asyncio.run(ask())


def insert_articles(database_url: str) -> None:
    """An author, two articles and a tag, written straight into the tables."""
    sqlite = database_url.startswith("sqlite")

    def key() -> Any:
        value = uuid.uuid4()
        return value.bytes if sqlite else value

    author = key()

    async def insert(connection: AsyncConnection) -> None:
        await connection.execute(
            text(
                "INSERT INTO users (id, username, canonical_username, email, password_hash, is_active, "
                "created_at, updated_at) VALUES (:id, 'ann', 'ann', 'ann@example.org', 'x', true, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"id": author},
        )
        articles = [("Dragons at dawn", "Wings", "Fire everywhere."), ("Quiet gardens", "Roses", "Running water.")]
        ids = []
        for title, description, body in articles:
            ids.append(key())
            await connection.execute(
                text(
                    "INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at) "
                    "VALUES (:id, :slug, :title, :description, :body, :author, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": ids[-1], "slug": title.lower().replace(" ", "-"), "title": title, "author": author}
                | {"description": description, "body": body},
            )
        await connection.execute(text("INSERT INTO tags (id, name) VALUES (1, 'botany')"))
        await connection.execute(text("INSERT INTO article_tags (article_id, tag_id) VALUES (:id, 1)"), {"id": ids[1]})
        await connection.commit()

    read_database(database_url, insert)


def search_objects(database_url: str) -> list[str]:
    """The tables, triggers and functions of the database whose name speaks of search."""

    async def names(connection: AsyncConnection) -> list[str]:
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE name LIKE '%search%'"
        else:
            query = (
                "SELECT relname FROM pg_class WHERE relname LIKE '%search%' AND relnamespace = 'public'::regnamespace "
                "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE '%search%' "
                "UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE '%search%' "
                "AND pronamespace = 'public'::regnamespace"
            )
        return sorted(row[0] for row in await connection.execute(text(query)))

    result: list[str] = read_database(database_url, names)
    return result


def test_the_upgrade_indexes_the_articles_already_there(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()
    assert conduit("database", "upgrade", "--no-prompt", BEFORE_SEARCH, database_url=url).returncode == 0
    insert_articles(url)

    upgraded = conduit("database", "upgrade", "--no-prompt", database_url=url)

    assert upgraded.returncode == 0, upgraded.stderr
    assert search(url, tmp_path, "dragon") == (["Dragons at dawn"], 1)
    assert search(url, tmp_path, "run") == (["Quiet gardens"], 1)
    assert search(url, tmp_path, "botany") == (["Quiet gardens"], 1)  # a tag linked before the index existed


def test_the_downgrade_removes_the_index_and_the_upgrade_makes_it_again(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = migrated(conduit, scratch_database)
    insert_articles(url)
    indexed = search_objects(url)

    downgraded = conduit("database", "downgrade", "--no-prompt", BEFORE_SEARCH, database_url=url)
    left = search_objects(url)
    again = conduit("database", "upgrade", "--no-prompt", database_url=url)

    assert indexed
    assert downgraded.returncode == 0, downgraded.stderr
    assert left == []
    assert again.returncode == 0, again.stderr
    assert search_objects(url) == indexed
    titles, count = search(url, tmp_path, "dragon or botany")
    assert (sorted(titles), count) == (["Dragons at dawn", "Quiet gardens"], 2)


@pytest.mark.skipif(
    ON_POSTGRES, reason="on PostgreSQL drop-all also leaves the counters' trigger functions, which stop the upgrade"
)
def test_after_drop_all_the_upgrade_starts_the_index_afresh(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    """``drop-all`` drops the models' tables only; the index left behind is derived and made again."""
    url = migrated(conduit, scratch_database)
    insert_articles(url)

    dropped = conduit("database", "drop-all", "--no-prompt", database_url=url)
    upgraded = conduit("database", "upgrade", "--no-prompt", database_url=url)

    assert dropped.returncode == 0, dropped.stderr
    assert upgraded.returncode == 0, upgraded.stderr
    assert search(url, tmp_path, "dragon") == ([], 0)
    insert_articles(url)
    assert search(url, tmp_path, "dragon") == (["Dragons at dawn"], 1)


def test_the_index_is_not_exported_and_an_import_fills_it(
    conduit: Conduit, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    source, target = migrated(conduit, scratch_database), migrated(conduit, scratch_database)
    insert_articles(source)
    dump = tmp_path / "conduit.jsonl"

    exported = conduit("export", str(dump), database_url=source)
    imported = conduit("import", str(dump), database_url=target)
    replaced = conduit("import", "--replace", str(dump), database_url=target)

    assert (exported.returncode, imported.returncode, replaced.returncode) == (0, 0, 0), imported.stderr
    tables = {json.loads(line).get("table") for line in dump.read_text().splitlines()}
    assert not any("search" in str(table) for table in tables)
    assert search(target, tmp_path, "dragon") == (["Dragons at dawn"], 1)
    assert search(target, tmp_path, "botany run") == (["Quiet gardens"], 1)
