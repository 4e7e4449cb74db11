"""Concurrent writes all succeed: requests racing for the same slug, or registering side by side."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Article, User
from tests.conftest import RegisterUser, WriteArticle
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
    assert statuses == [201] + [422] * (RACERS - 1)
    refusals = [response.json() for response in responses if response.status_code == 422]
    assert all(body == {"errors": {"body": ["username has already been taken"]}} for body in refusals)
    assert await db.scalar(select(func.count()).select_from(User)) == 1
