"""Reads answer the same whichever way they run: straight on the driver, or through SQLAlchemy.

A read runs its compiled SQL on the driver directly (``db.reads``: asyncpg on PostgreSQL, the ``sqlite3``
connection on SQLite), unless something watches the engine's SQL; with such a watcher the same requests run
through SQLAlchemy.
"""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from litestar.types import Receive, Scope, Send
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import QueuePool

from conduit.articles.queries import page_statement, search_statement
from conduit.db import reads
from conduit.db.reads import fetch_one
from conduit.lib.transactions import remember_request_scope
from conduit.users.services import ACTIVE_ACCOUNT, UserService
from tests.conftest import ON_POSTGRES, Account, RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio
DIALECT = "postgresql" if ON_POSTGRES else "sqlite"

READS = [
    "/api/articles?limit=5",
    "/api/articles?limit=5&tag=shared",
    "/api/articles?limit=5&author={author}",
    "/api/articles?limit=5&favorited={reader}",
    "/api/articles/feed?limit=5",
    "/api/articles/{slug}",
    "/api/articles/{slug}/comments",
    "/api/articles/{bare}/comments",
    "/api/profiles/{author}",
    "/api/tags",
]


async def _world(client: AsyncClient, register: RegisterUser, write_article: WriteArticle) -> dict[str, Any]:
    """An author with tagged and untagged articles, one comment, and a reader who follows and favorites."""
    author, reader = await register(), await register()
    tagged = await write_article(author, tag_list=["zeta", "shared", "alpha"])
    bare = await write_article(author, tag_list=[])
    await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)
    await client.post(f"/api/articles/{tagged['slug']}/favorite", headers=reader.headers)
    comment = {"comment": {"body": "first"}}
    await client.post(f"/api/articles/{tagged['slug']}/comments", headers=author.headers, json=comment)
    names = {"author": author.username, "reader": reader.username, "slug": tagged["slug"], "bare": bare["slug"]}
    return {"names": names, "reader": reader}


async def _read_all(client: AsyncClient, names: dict[str, str], reader: Account) -> list[tuple[int, Any]]:
    answers = []
    for path in READS:
        for headers in ({}, reader.headers):
            if path.startswith("/api/articles/feed") and not headers:
                continue
            response = await client.get(path.format(**names), headers=headers)
            answers.append((response.status_code, response.json()))
    return answers


@contextmanager
def watched(alchemy: SQLAlchemyAsyncConfig) -> Iterator[list[str]]:
    """Watch the engine's SQL, as a tracer would; the statements seen are collected."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = alchemy.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_reads_answer_alike_on_either_path(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser, write_article: WriteArticle
) -> None:
    world = await _world(client, register, write_article)
    names, reader = world["names"], world["reader"]
    statement = page_statement(DIALECT, signed_in=True, filters=("tag",), keyset="")

    direct = await _read_all(client, names, reader)
    with watched(alchemy) as statements:
        through_sqlalchemy = await _read_all(client, names, reader)

    assert id(statement) in reads._compiled
    assert len(statements) >= len(through_sqlalchemy)
    assert direct == through_sqlalchemy
    assert all(status == 200 for status, _ in direct)
    tagged = next(answer for _, answer in direct if "article" in answer)["article"]
    assert tagged["tagList"] == ["alpha", "shared", "zeta"]
    assert tagged["favorited"] is True or tagged["author"]["following"] is False
    comments = [answer["comments"] for _, answer in direct if "comments" in answer]
    assert [comment["body"] for comment in comments[0]] == ["first"]
    assert comments[-1] == []  # the article without comments
    bare = next(answer for _, answer in direct if "articles" in answer)["articles"][0]
    assert bare["tagList"] == []


@pytest.mark.skipif(not ON_POSTGRES, reason="connections that PostgreSQL drops")
async def test_a_read_on_a_dropped_connection_is_answered_on_a_fresh_one(
    client: AsyncClient, db: AsyncSession, register: RegisterUser, write_article: WriteArticle
) -> None:
    await write_article(await register())
    await db.execute(text("SELECT 1"))  # the session holds a connection of the pool, the app's reads another
    assert (await client.get("/api/articles")).status_code == 200
    others = "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    dropped = await db.scalar(text(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}"))  # noqa: S608
    assert dropped

    answers = [await client.get("/api/articles") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200] * 3, answers[0].text
    assert all(answer.json()["articlesCount"] == 1 for answer in answers)


async def test_a_search_on_sqlite_stays_off_the_event_loop_thread(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    await write_article(await register(), title="Walking the dog")
    statement = search_statement(DIALECT, signed_in=False, filters=(), marked=False)

    answer = await client.get("/api/articles", params={"search": "dog"})

    assert answer.status_code == 200
    assert answer.json()["articlesCount"] == 1
    assert (id(statement) in reads._compiled) is ON_POSTGRES


async def _in_request(method: str, work: Callable[[], Awaitable[Any]]) -> Any:
    """What ``work`` returns when run inside a request with this ``method`` (as the app's sessions see it)."""
    answers: list[Any] = []

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        answers.append(await work())

    await remember_request_scope(app)({"type": "http", "method": method}, None, None)  # type: ignore[arg-type]
    return answers[0]


@pytest.mark.skipif(not ON_POSTGRES, reason="transactions PostgreSQL opens")
async def test_a_write_reads_the_account_before_its_transaction_takes_a_connection(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser
) -> None:
    account = await register()
    async with alchemy.get_session() as session:
        user_id = (await UserService(session=session).get_by_username(account.username)).id
    pool = alchemy.get_engine().pool
    assert isinstance(pool, QueuePool)

    async def write() -> list[Any]:
        async with alchemy.get_session() as session:
            users = UserService(session=session)
            signed_in = await users.active_account(user_id)
            held_after_the_account = pool.checkedout()
            await session.execute(text("SELECT 1"))  # the transaction's first statement
            held_in_the_transaction = pool.checkedout()
            read_inside = await users.active_account(user_id)
            return [held_after_the_account, held_in_the_transaction, read_inside is signed_in is not None]

    assert await _in_request("POST", write) == [0, 1, True]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite reads on the session's own connection")
async def test_a_signed_in_read_begins_no_session_transaction(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    """On PostgreSQL a read-only request's reads borrow a connection each; its session begins no transaction, not
    even for the signed-in account (attaching an instance would begin one)."""
    world = await _world(client, register, write_article)
    begun: list[Session] = []

    def record(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            begun.append(session)

    event.listen(Session, "after_transaction_create", record)
    try:
        answers = await _read_all(client, world["names"], world["reader"])
    finally:
        event.remove(Session, "after_transaction_create", record)

    assert {status for status, _ in answers} == {200}
    assert begun == []


async def test_a_read_sees_what_its_session_has_pending(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser
) -> None:
    account = await register()

    async def write() -> list[str]:
        async with alchemy.get_session() as session:
            users = UserService(session=session)
            user = await users.get_by_username(account.username)
            await session.commit()
            user.bio = "pending"
            seen = await fetch_one(session, ACTIVE_ACCOUNT, {"user_id": user.id})
            await session.rollback()
            return [seen["bio"] if seen else ""]

    assert await _in_request("POST", write) == ["pending"]


async def test_a_favorite_runs_its_statements_below_the_orm_session(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    """The favorite's INSERT and the read of its answer are Core statements: ``reads.execute`` runs them on the
    session's connection, not through ``Session.execute`` and its ORM layer (which ``do_orm_execute`` reports)."""
    author, reader = await register(), await register()
    article = await write_article(author)
    through_the_orm: list[str] = []

    def record(state: ORMExecuteState) -> None:
        through_the_orm.append(str(state.statement).split()[0])

    event.listen(Session, "do_orm_execute", record)
    try:
        answer = await client.post(f"/api/articles/{article['slug']}/favorite", headers=reader.headers)
    finally:
        event.remove(Session, "do_orm_execute", record)

    assert answer.status_code == 200
    assert answer.json()["article"]["favoritesCount"] == 1
    assert through_the_orm == []


@pytest.mark.skipif(not ON_POSTGRES, reason="reads before a transaction run on asyncpg on PostgreSQL")
async def test_a_favorite_reads_its_article_before_its_transaction_takes_a_connection(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser, write_article: WriteArticle
) -> None:
    """Only the write goes through SQLAlchemy's Core; the answer is the article read before it, with its change."""
    author, reader = await register(), await register()
    article = await write_article(author)
    path = f"/api/articles/{article['slug']}/favorite"
    through_sqlalchemy: list[str] = []

    def record(_connection: Any, statement: Any, *_: Any) -> None:
        through_sqlalchemy.append(str(statement).split()[0])

    engine = alchemy.get_engine().sync_engine
    event.listen(engine, "before_execute", record)
    try:
        answers = [
            await client.post(path, headers=reader.headers),
            await client.post(path, headers=reader.headers),
            await client.post(path, headers=author.headers),
            await client.delete(path, headers=reader.headers),
            await client.delete(path, headers=reader.headers),
        ]
    finally:
        event.remove(engine, "before_execute", record)

    shown = [(answer.json()["article"]["favorited"], answer.json()["article"]["favoritesCount"]) for answer in answers]
    assert shown == [(True, 1), (True, 1), (True, 2), (False, 1), (False, 1)]
    assert through_sqlalchemy == ["INSERT", "INSERT", "INSERT", "DELETE", "DELETE"]


async def test_a_core_statement_sees_what_its_session_has_pending(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, register: RegisterUser
) -> None:
    account = await register()
    async with alchemy.get_session() as session:
        user = await UserService(session=session).get_by_username(account.username)
        await session.commit()
        user.bio = "pending"
        seen = (await reads.execute(session, ACTIVE_ACCOUNT, {"user_id": user.id})).mappings().one()
        flushed = not reads.has_pending_changes(session)
        await session.rollback()

    assert [seen["bio"], flushed] == ["pending", True]
