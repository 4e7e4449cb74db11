"""Concurrent writes all succeed: requests racing for the same slug, or registering side by side."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import ARTICLES_TOTAL, Article, Tag, User, article_tags, counters, favorites, follows
from tests.conftest import Account, RegisterUser, WriteArticle
from tests.factories import NewUserFactory

pytestmark = pytest.mark.anyio
RACERS = 20


async def test_parallel_creates_with_one_title_all_get_distinct_slugs(
    client: AsyncClient, register: RegisterUser, db: AsyncSession
) -> None:
    author = await register()
    article = {"article": {"title": "Breaking news", "description": "d", "body": "b", "tagList": ["news", "today"]}}

    responses = await asyncio.gather(
        *(client.post("/api/articles", headers=author.headers, json=article) for _ in range(RACERS))
    )

    assert [response.status_code for response in responses] == [201] * RACERS, [r.text for r in responses]
    slugs = {response.json()["article"]["slug"] for response in responses}
    assert len(slugs) == RACERS
    assert all(slug.startswith("breaking-news") for slug in slugs)
    assert all(response.json()["article"]["tagList"] == ["news", "today"] for response in responses)
    assert await db.scalar(select(func.count()).select_from(Article)) == RACERS


async def test_parallel_renames_to_one_title_all_get_distinct_slugs(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    originals = [await write_article(author) for _ in range(RACERS)]

    responses = await asyncio.gather(
        *(
            client.put(
                f"/api/articles/{article['slug']}", headers=author.headers, json={"article": {"title": "Same title"}}
            )
            for article in originals
        )
    )

    assert [response.status_code for response in responses] == [200] * RACERS, [r.text for r in responses]
    assert len({response.json()["article"]["slug"] for response in responses}) == RACERS


async def test_parallel_registrations_all_succeed(client: AsyncClient, db: AsyncSession) -> None:
    users = [NewUserFactory.build() for _ in range(RACERS)]

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/users",
                json={"user": {"username": user.username, "email": user.email, "password": user.password}},
            )
            for user in users
        )
    )

    assert [response.status_code for response in responses] == [201] * RACERS, [r.text for r in responses]
    assert await db.scalar(select(func.count()).select_from(User)) == RACERS


async def test_a_registration_race_for_one_username_names_the_field(client: AsyncClient, db: AsyncSession) -> None:
    users = [NewUserFactory.build(username="contested") for _ in range(RACERS)]

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/users",
                json={"user": {"username": user.username, "email": user.email, "password": user.password}},
            )
            for user in users
        )
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (RACERS - 1)
    refusals = [response.json() for response in responses if response.status_code == 409]
    assert all(body == {"errors": {"username": ["has already been taken"]}} for body in refusals)
    assert await db.scalar(select(func.count()).select_from(User)) == 1


async def counters_agree_with_counting(db: AsyncSession) -> None:
    """Every counter the database keeps equals what counting the rows gives."""
    db.expire_all()
    checks = {
        "articles total": (
            select(counters.c.value).where(counters.c.name == ARTICLES_TOTAL),
            select(func.count()).select_from(Article),
        ),
        "users.articles_count": (
            select(func.coalesce(func.sum(User.articles_count), 0)),
            select(func.count()).select_from(Article),
        ),
        "users.favorites_count": (
            select(func.coalesce(func.sum(User.favorites_count), 0)),
            select(func.count()).select_from(favorites),
        ),
        "articles.favorites_count": (
            select(func.coalesce(func.sum(Article.favorites_count), 0)),
            select(func.count()).select_from(favorites),
        ),
        "tags.articles_count": (
            select(func.coalesce(func.sum(Tag.articles_count), 0)),
            select(func.count()).select_from(article_tags),
        ),
        "users.feed_articles_count": (
            select(func.coalesce(func.sum(User.feed_articles_count), 0)),
            select(func.count()).select_from(follows.join(Article, Article.author_id == follows.c.followed_id)),
        ),
    }
    found = {name: (await db.scalar(kept), await db.scalar(counted)) for name, (kept, counted) in checks.items()}
    assert all(kept == counted for kept, counted in found.values()), str(found)


async def test_counters_stay_exact_under_concurrent_writes(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author = await register()
    readers = [await register() for _ in range(RACERS)]
    slug = (await write_article(author, tag_list=["busy"]))["slug"]

    favorited = await asyncio.gather(
        *(client.post(f"/api/articles/{slug}/favorite", headers=reader.headers) for reader in readers),
        *(client.post(f"/api/articles/{slug}/favorite", headers=reader.headers) for reader in readers),
    )
    created = await asyncio.gather(
        *(
            client.post(
                "/api/articles",
                headers=reader.headers,
                json={"article": {"title": "Me too", "description": "d", "body": "b", "tagList": ["busy", "new"]}},
            )
            for reader in readers
        )
    )

    assert {response.status_code for response in [*favorited, *created]} <= {200, 201}
    article = (await client.get(f"/api/articles/{slug}")).json()["article"]
    assert article["favoritesCount"] == RACERS
    assert (await client.get("/api/articles?tag=busy")).json()["articlesCount"] == RACERS + 1
    await counters_agree_with_counting(db)

    unfavorited = await asyncio.gather(
        *(client.delete(f"/api/articles/{slug}/favorite", headers=reader.headers) for reader in readers)
    )
    deleted = await asyncio.gather(
        *(
            client.delete(f"/api/articles/{response.json()['article']['slug']}", headers=reader.headers)
            for reader, response in zip(readers, created, strict=True)
        )
    )

    assert {response.status_code for response in unfavorited} == {200}
    assert {response.status_code for response in deleted} == {204}
    assert (await client.get(f"/api/articles/{slug}")).json()["article"]["favoritesCount"] == 0
    assert (await client.get("/api/articles")).json()["articlesCount"] == 1
    await counters_agree_with_counting(db)


async def test_counters_follow_cascading_deletes(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author, fan = await register(), await register()
    await client.post(f"/api/profiles/{author.username}/follow", headers=fan.headers)
    await client.post(f"/api/profiles/{fan.username}/follow", headers=author.headers)
    await write_article(fan)
    for _ in range(3):
        slug = (await write_article(author, tag_list=["gone"]))["slug"]
        await client.post(f"/api/articles/{slug}/favorite", headers=fan.headers)
    assert (await client.get("/api/articles/feed", headers=fan.headers)).json()["articlesCount"] == 3
    await db.execute(delete(User).where(User.username == author.username))
    await db.commit()

    await counters_agree_with_counting(db)
    assert (await client.get("/api/articles")).json()["articlesCount"] == 1
    assert (await client.get("/api/articles?tag=gone")).json()["articlesCount"] == 0
    assert (await client.get("/api/articles/feed", headers=fan.headers)).json()["articlesCount"] == 0


async def test_feed_counts_stay_exact_when_follows_and_articles_race(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    authors = [await register() for _ in range(3)]
    readers = [await register() for _ in range(RACERS)]
    await write_article(authors[0])

    async def publish(author: Account) -> int:
        new = {"article": {"title": "Raced", "description": "d", "body": "b"}}
        return (await client.post("/api/articles", headers=author.headers, json=new)).status_code

    async def follow(reader: Account, author: Account) -> int:
        return (await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)).status_code

    statuses = await asyncio.gather(
        *(follow(reader, author) for reader in readers for author in authors),
        *(publish(author) for author in authors for _ in range(3)),
    )
    assert set(statuses) <= {200, 201}, statuses
    await counters_agree_with_counting(db)
    feeds = [(await client.get("/api/articles/feed", headers=reader.headers)).json() for reader in readers]
    assert {feed["articlesCount"] for feed in feeds} == {10}

    async def unfollow(reader: Account) -> int:
        return (await client.delete(f"/api/profiles/{authors[0].username}/follow", headers=reader.headers)).status_code

    statuses = await asyncio.gather(*(unfollow(reader) for reader in readers), *(publish(authors[0]) for _ in range(3)))
    assert set(statuses) <= {200, 201}, statuses
    await counters_agree_with_counting(db)
