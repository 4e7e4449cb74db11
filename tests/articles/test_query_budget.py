"""Listing articles (and their Atom feeds) runs a fixed number of SQL statements, whatever the page size: no N+1."""

from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient

from conduit.users.services import UserService
from tests.conftest import TEST_SECRET, Account, RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio

AUTHORS = 5
ARTICLES_PER_AUTHOR = 5
# The token holder, then the page: articles with their authors, tags, viewer flags and the total, in one statement.
STATEMENTS_PER_LIST = 2


async def populate(client: AsyncClient, register: RegisterUser, write_article: WriteArticle) -> Account:
    """25 articles by 5 authors, each with tags; the reader follows and favorites some of them."""
    reader = await register()
    for number in range(AUTHORS):
        author = await register()
        await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)
        for index in range(ARTICLES_PER_AUTHOR):
            article = await write_article(author, tag_list=[f"topic{number}", f"series{index}", "common"])
            if index % 2 == 0:
                await client.post(f"/api/articles/{article['slug']}/favorite", headers=reader.headers)
    return reader


async def statements_for(client: AsyncClient, sql: list[str], reader: Account, path: str) -> tuple[int, dict[str, Any]]:
    sql.clear()
    response = await client.get(path, headers=reader.headers)
    assert response.status_code == 200, response.text
    return len(sql), response.json()


async def test_article_list_query_count_does_not_grow_with_the_page(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    reader = await populate(client, register, write_article)

    small, small_page = await statements_for(client, sql, reader, "/api/articles?limit=1")
    full, full_page = await statements_for(client, sql, reader, "/api/articles?limit=20")
    filtered, filtered_page = await statements_for(client, sql, reader, "/api/articles?limit=20&tag=common")

    assert len(small_page["articles"]) == 1
    assert len(full_page["articles"]) == 20
    articles = full_page["articles"]
    assert all(article["tagList"] and article["author"]["following"] for article in articles)
    assert any(article["favorited"] for article in articles)
    assert small == full == filtered == STATEMENTS_PER_LIST
    assert (len(filtered_page["articles"]), filtered_page["articlesCount"]) == (20, AUTHORS * ARTICLES_PER_AUTHOR)


async def test_search_query_count_does_not_grow_with_the_page_or_the_filters(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    """The matches are found, ranked, counted and read with their authors, tags and flags in one statement."""
    reader = await populate(client, register, write_article)

    small, small_page = await statements_for(client, sql, reader, "/api/articles?search=common&limit=1")
    full, full_page = await statements_for(client, sql, reader, "/api/articles?search=common+or+topic1&limit=20")
    filtered, filtered_page = await statements_for(
        client, sql, reader, "/api/articles?search=common&tag=series0&favorited=" + reader.username
    )
    nothing, nothing_page = await statements_for(client, sql, reader, "/api/articles?search=zebra")
    empty, _ = await statements_for(client, sql, reader, "/api/articles?search=-common")

    assert len(small_page["articles"]) == 1
    assert len(full_page["articles"]) == 20
    assert all(article["tagList"] and article["author"]["following"] for article in full_page["articles"])
    assert (len(filtered_page["articles"]), filtered_page["articlesCount"]) == (AUTHORS, AUTHORS)
    assert (nothing_page["articles"], nothing_page["articlesCount"]) == ([], 0)
    assert small == full == filtered == nothing == STATEMENTS_PER_LIST
    assert empty == STATEMENTS_PER_LIST - 1  # nothing to look for: the token holder only


async def test_feed_query_count_does_not_grow_with_the_page(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    reader = await populate(client, register, write_article)

    small, _ = await statements_for(client, sql, reader, "/api/articles/feed?limit=1")
    full, page = await statements_for(client, sql, reader, "/api/articles/feed?limit=20")

    assert len(page["articles"]) == 20
    assert page["articlesCount"] == AUTHORS * ARTICLES_PER_AUTHOR
    assert small == full == STATEMENTS_PER_LIST


async def test_comment_list_query_count_does_not_grow_with_the_comments(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, sql: list[str]
) -> None:
    reader = await register()
    slug = (await write_article(reader))["slug"]
    await client.post(f"/api/articles/{slug}/comments", headers=reader.headers, json={"comment": {"body": "first"}})
    one, _ = await statements_for(client, sql, reader, f"/api/articles/{slug}/comments")
    for number in range(10):
        commenter = await register()
        body = {"comment": {"body": f"comment {number}"}}
        await client.post(f"/api/articles/{slug}/comments", headers=commenter.headers, json=body)

    many, page = await statements_for(client, sql, reader, f"/api/articles/{slug}/comments")

    assert len(page["comments"]) == 11
    assert one == many


async def test_a_feed_document_runs_a_fixed_number_of_statements_and_a_304_as_many(
    client: AsyncClient,
    register: RegisterUser,
    write_article: WriteArticle,
    sql: list[str],
    alchemy: SQLAlchemyAsyncConfig,
) -> None:
    reader = await populate(client, register, write_article)
    async with alchemy.get_session() as session, session.begin():
        users = UserService(session=session)
        token = await users.private_feed_token(await users.get_by_username(reader.username), TEST_SECRET)
    author = (await client.get("/api/articles?limit=1")).json()["articles"][0]["author"]["username"]
    # The entries with their bodies, or for a conditional request their ids and update times (what the ETag is
    # made of) and, when they changed, the entries; an author's feed and a private feed first find their person.
    expected = {
        "/feed.atom": 1,
        "/feed.atom?tag=common": 1,
        f"/profile/{author}/feed.atom": 2,
        f"/private/{token}/feed.atom": 2,
    }

    counted = {}
    for path in expected:
        sql.clear()
        response = await client.get(path)
        assert response.status_code == 200, response.text
        full = len(sql)
        sql.clear()
        unchanged = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert unchanged.status_code == 304
        not_modified = len(sql)
        sql.clear()
        stale = await client.get(path, headers={"If-None-Match": '"an-older-version"'})
        assert stale.status_code == 200
        assert stale.content == response.content
        counted[path] = (full, not_modified, len(sql) - 1)

    assert counted == {path: (count, count, count) for path, count in expected.items()}
