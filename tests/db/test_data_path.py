"""One data path: every statement of a request runs through the session the plugin provides, and on PostgreSQL a
read runs outside a transaction (``lib.transactions``).

What watches SQLAlchemy (an engine listener here; a tracer, ``DATABASE_ECHO`` or a read-replica router in
production) therefore sees every statement.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import ON_POSTGRES, RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio

READS = [
    "/api/user",
    "/api/articles?limit=5",
    "/api/articles?limit=5&tag=shared",
    "/api/articles/feed?limit=5",
    "/api/articles/{slug}",
    "/api/articles/{slug}/comments",
    "/api/profiles/{author}",
    "/api/tags",
    "/",
    "/article/{slug}",
]


@dataclass
class Statement:
    sql: str
    in_transaction: bool | None
    """Whether the driver's connection was in a transaction once the statement ran (None on SQLite)."""


@contextmanager
def watched(alchemy: SQLAlchemyAsyncConfig) -> Iterator[list[Statement]]:
    """Every statement the engine runs, as a tracer sees it."""
    statements: list[Statement] = []

    def record(connection: Any, _cursor: Any, sql: str, *_: Any) -> None:
        driver = connection.connection.driver_connection
        in_transaction = driver.is_in_transaction() if hasattr(driver, "is_in_transaction") else None
        statements.append(Statement(sql, in_transaction))

    engine = alchemy.get_engine().sync_engine
    event.listen(engine, "after_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "after_cursor_execute", record)


async def test_every_read_of_a_request_is_seen_by_what_watches_the_engine(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author, tag_list=["shared"]))["slug"]
    with watched(alchemy) as statements:
        for path in READS:
            response = await client.get(path.format(slug=slug, author=author.username), headers=reader.headers)
            assert response.status_code == 200, path

    selects = [statement for statement in statements if statement.sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 2 * len(READS)  # each reads the signed-in account and what it shows


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite begins no transaction for a read in the first place")
async def test_on_postgresql_a_read_runs_outside_a_transaction_and_a_write_inside_one(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author))["slug"]
    with watched(alchemy) as reads:
        for path in READS:
            await client.get(path.format(slug=slug, author=author.username), headers=reader.headers)
    with watched(alchemy) as writes:
        favorite = await client.post(f"/api/articles/{slug}/favorite", headers=reader.headers)

    assert reads
    assert {statement.in_transaction for statement in reads} == {False}
    assert favorite.status_code == 200
    assert {statement.in_transaction for statement in writes} == {True}


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite begins no transaction for a read in the first place")
async def test_on_postgresql_an_anonymous_read_that_misses_the_cache_runs_outside_a_transaction(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    slug = (await write_article(author, tag_list=["shared"]))["slug"]
    signed_in_only = ("/api/user", "/api/articles/feed?limit=5")
    anonymous = [
        path.format(slug=slug, author=author.username)
        for path in READS
        if path.startswith("/api/") and path not in signed_in_only
    ]
    # A query of its own for each read, so that none is answered from the cache (a hit runs no statement at all).
    misses = [f"{path}{'&' if '?' in path else '?'}uncached={number}" for number, path in enumerate(anonymous)]
    with watched(alchemy) as reads:
        for path in misses:
            response = await client.get(path)
            assert response.status_code == 200, path

    assert len(reads) >= len(misses)
    assert {statement.in_transaction for statement in reads} == {False}


async def test_an_api_read_commits_its_session_once(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author, tag_list=["shared"]))["slug"]
    api_reads = [path for path in READS if path.startswith("/api/")]
    commits: dict[str, int] = {}
    path = ""

    def record(_: Session) -> None:
        commits[path] = commits.get(path, 0) + 1

    event.listen(Session, "after_commit", record)
    try:
        for path in api_reads:
            response = await client.get(path.format(slug=slug, author=author.username), headers=reader.headers)
            assert response.status_code == 200, path
    finally:
        event.remove(Session, "after_commit", record)

    # The plugin's before_send_handler commits it; nothing commits it first (there is no browser session to write).
    assert commits == dict.fromkeys(api_reads, 1)
