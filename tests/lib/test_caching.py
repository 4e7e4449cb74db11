"""The response cache and the HTTP validators (``conduit.lib.caching``): anonymous reads are answered from memory
until a write moves the content version on, and a client holding the current ETag gets a 304."""

import asyncio
import uuid
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import event, update
from sqlalchemy.orm import Session, SessionTransaction

from conduit.app import create_app
from conduit.config import alchemy_config_of
from conduit.db.models import Article
from conduit.lib.caching import BoundedMemoryStore, ContentVersion
from tests.conftest import RegisterUser, WriteArticle, serve, settings_for
from tests.support.servers import redis_reachable

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/5"


async def test_an_anonymous_read_is_answered_from_the_cache(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    author = await register()
    article = await write_article(author, tag_list=["cached"])
    paths = ["/api/articles", "/api/tags", f"/api/articles/{article['slug']}", f"/api/profiles/{author.username}"]
    paths.append(f"/api/articles/{article['slug']}/comments")
    first = [await client.get(path) for path in paths]
    sql.clear()

    begun: list[SessionTransaction] = []

    def record(_: Session, transaction: SessionTransaction) -> None:
        begun.append(transaction)

    event.listen(Session, "after_transaction_create", record)
    try:
        again = [await client.get(path) for path in paths]
    finally:
        event.remove(Session, "after_transaction_create", record)

    assert [response.status_code for response in again] == [200] * len(paths)
    assert [response.json() for response in again] == [response.json() for response in first]
    assert sql == []  # no statement at all: not even the session's connection was taken
    assert begun == []  # nor a session made to be committed empty


async def test_every_kind_of_write_is_read_at_once(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, reader = await register(), await register()
    article = await write_article(author, tag_list=["first"])
    slug = article["slug"]
    await client.get("/api/articles"), await client.get(f"/api/articles/{slug}"), await client.get("/api/tags")
    await client.get(f"/api/articles/{slug}/comments")

    await client.post(f"/api/articles/{slug}/favorite", headers=reader.headers)
    assert (await client.get(f"/api/articles/{slug}")).json()["article"]["favoritesCount"] == 1
    assert (await client.get("/api/articles")).json()["articles"][0]["favoritesCount"] == 1

    await write_article(author, tag_list=["second"])
    assert (await client.get("/api/articles")).json()["articlesCount"] == 2
    assert "second" in (await client.get("/api/tags")).json()["tags"]

    comment = {"comment": {"body": "Read at once"}}
    await client.post(f"/api/articles/{slug}/comments", headers=reader.headers, json=comment)
    assert [c["body"] for c in (await client.get(f"/api/articles/{slug}/comments")).json()["comments"]] == [
        "Read at once"
    ]

    await client.put("/api/user", headers=author.headers, json={"user": {"bio": "New bio"}})
    assert (await client.get(f"/api/profiles/{author.username}")).json()["profile"]["bio"] == "New bio"

    await client.delete(f"/api/articles/{slug}", headers=author.headers)
    assert (await client.get(f"/api/articles/{slug}")).status_code == 404


async def test_a_refused_write_leaves_the_cache_as_it_was(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    author = await register()
    await write_article(author)
    await client.get("/api/articles")

    refused = await client.post("/api/articles", headers=author.headers, json={"article": {"title": ""}})
    sql.clear()
    again = await client.get("/api/articles")

    assert refused.status_code == 422
    assert again.json()["articlesCount"] == 1
    assert sql == []


async def test_signed_in_reads_are_never_cached(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    author = await register()
    await write_article(author)
    await client.get("/api/articles", headers=author.headers)
    sql.clear()

    again = await client.get("/api/articles", headers=author.headers)

    assert sql  # read from the database, as this viewer sees it
    assert again.headers["cache-control"] == "no-store"
    assert "etag" not in again.headers


async def test_a_client_holding_the_current_version_gets_304(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_article(author)
    first = await client.get("/api/articles")
    etag = first.headers["etag"]

    unchanged = await client.get("/api/articles", headers={"If-None-Match": etag})
    weak = await client.get("/api/articles", headers={"If-None-Match": f'"other", W/{etag}'})
    await write_article(author)
    changed = await client.get("/api/articles", headers={"If-None-Match": etag})

    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["vary"] == "authorization"
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", etag)
    assert "content-length" not in unchanged.headers or unchanged.headers["content-length"] == "0"
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["articlesCount"] == 2


async def test_errors_carry_no_validators(client: AsyncClient) -> None:
    missing = await client.get("/api/articles/no-such-article")

    assert missing.status_code == 404
    assert "etag" not in missing.headers


async def test_a_write_made_outside_a_request_shows_once_the_entry_expires(
    suite_database_url: str, tmp_path: Path, client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    article = await write_article(author, title="Before")
    app = create_app(settings_for(tmp_path, suite_database_url, response_cache_seconds=1))
    async with serve(app) as other:
        await other.get(f"/api/articles/{article['slug']}")
        async with alchemy_config_of(app).get_session() as session:  # as a command would
            await session.execute(update(Article).values(description="Changed by a command"))
            await session.commit()

        stale = (await other.get(f"/api/articles/{article['slug']}")).json()["article"]["description"]
        await asyncio.sleep(1.2)
        fresh = (await other.get(f"/api/articles/{article['slug']}")).json()["article"]["description"]

    assert stale != "Changed by a command"
    assert fresh == "Changed by a command"


async def test_the_cache_can_be_turned_off(suite_database_url: str, tmp_path: Path, client: AsyncClient) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, response_cache_seconds=0))
    statements: list[str] = []
    engine = alchemy_config_of(app).get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _k, statement, *_: statements.append(statement))
    async with serve(app) as uncached:
        await uncached.get("/api/tags")
        statements.clear()
        response = await uncached.get("/api/tags")

    assert response.status_code == 200
    assert statements  # asked the database again
    assert "etag" in response.headers  # validators still answer 304s


@pytest.mark.skipif(not redis_reachable(REDIS_URL), reason="needs Redis on 127.0.0.1:6379")
async def test_instances_sharing_redis_see_each_others_writes(
    suite_database_url: str, tmp_path: Path, client: AsyncClient, register: RegisterUser
) -> None:
    author = await register()
    first = create_app(settings_for(tmp_path / "first", suite_database_url, redis_url=REDIS_URL))
    second = create_app(settings_for(tmp_path / "second", suite_database_url, redis_url=REDIS_URL))
    async with serve(first) as writer, serve(second) as reader:
        before = (await reader.get("/api/articles")).json()["articlesCount"]
        await reader.get("/api/articles")  # cached by the second instance
        new = {"article": {"title": f"Shared {uuid.uuid4().hex}", "description": "d", "body": "b"}}
        written = await writer.post("/api/articles", headers=author.headers, json=new)
        after = (await reader.get("/api/articles")).json()

    assert written.status_code == 201
    assert after["articlesCount"] == before + 1
    assert after["articles"][0]["title"] == new["article"]["title"]


async def test_an_unreachable_redis_means_no_version_and_a_write_still_answered() -> None:
    versions = ContentVersion("redis://127.0.0.1:1/0")
    try:
        assert await versions.current() is None
        await versions.bump()  # logged, never raised: the write has committed
    finally:
        await versions.close()


async def test_the_store_keeps_the_most_recently_used() -> None:
    store = BoundedMemoryStore(size=2)
    await store.set("a", b"1")
    await store.set("b", b"2")
    await store.get("a")
    await store.set("c", b"3", expires_in=60)

    assert await store.get("a") == b"1"
    assert await store.get("b") is None  # the least recently used went first
    assert await store.exists("c")
    assert 0 < (await store.expires_in("c") or 0) <= 60
    await store.set("gone", "x", expires_in=0)
    assert await store.get("gone") is None
    await store.delete("a")
    assert not await store.exists("a")
    await store.delete_all()
    assert not await store.exists("c")


async def test_reads_before_a_write_do_not_outlive_it(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    """Many anonymous readers and a writer at once: once the write is answered, no reader gets the old page."""
    author = await register()
    await write_article(author)

    async def read() -> int:
        return int((await client.get("/api/articles")).json()["articlesCount"])

    readers = [asyncio.ensure_future(read()) for _ in range(20)]
    await write_article(author)
    after = [await read() for _ in range(5)]
    await asyncio.gather(*readers)

    assert after == [2] * 5
