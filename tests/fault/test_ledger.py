"""No acknowledged write is lost: writers keep going while PostgreSQL restarts and crashes under them,
and every write that was answered with a 2xx is in the database afterwards, checked row by row."""

import asyncio
import itertools
from dataclasses import dataclass, field

import pytest
from httpx import AsyncClient, HTTPError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.db.models import Article, Comment, User, favorites
from tests.support.pgserver import ThrowawayPostgres

pytestmark = pytest.mark.anyio

WRITERS = 8
PHASE_SECONDS = 1.0
WAIT_SECONDS = 60
POLL_SECONDS = 0.05


@dataclass
class Ledger:
    """What the clients were told was saved, and how often they were told to retry."""

    users: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)
    favorites: set[tuple[str, str]] = field(default_factory=set)
    retries: int = 0
    failures: list[str] = field(default_factory=list)


async def write_until(client: AsyncClient, writer: int, ledger: Ledger, stop: asyncio.Event) -> None:
    """Register, then publish, comment and favorite in a loop, noting every acknowledged write."""
    numbers = itertools.count()
    token = ""
    username = f"writer{writer}"
    while not stop.is_set():
        try:
            if not token:
                user = {"username": username, "email": f"{username}@example.org", "password": "writer-password"}
                response = await client.post("/api/users", json={"user": user})
                if response.status_code == 422:  # registered already, the answer was lost in the outage
                    credentials = {"email": user["email"], "password": user["password"]}
                    response = await client.post("/api/users/login", json={"user": credentials})
                if response.status_code in (200, 201):
                    ledger.users.add(username)
                    token = response.json()["user"]["token"]
                continue
            headers = {"Authorization": f"Token {token}"}
            article = {"title": f"Note {writer}-{next(numbers)}", "description": "d", "body": "b", "tagList": ["log"]}
            response = await client.post("/api/articles", headers=headers, json={"article": article})
            if response.status_code != 201:
                raise RetryableError(response.status_code)
            slug = response.json()["article"]["slug"]
            ledger.articles.add(slug)
            response = await client.post(f"/api/articles/{slug}/favorite", headers=headers)
            if response.status_code != 200:
                raise RetryableError(response.status_code)
            ledger.favorites.add((username, slug))
            comment = {"comment": {"body": f"first on {slug}"}}
            response = await client.post(f"/api/articles/{slug}/comments", headers=headers, json=comment)
            if response.status_code != 201:
                raise RetryableError(response.status_code)
            ledger.comments.add(response.json()["comment"]["id"])
        except RetryableError as exc:
            ledger.retries += 1
            if exc.status != 503:
                ledger.failures.append(f"writer {writer}: unexpected status {exc.status}")
            await asyncio.sleep(0.05)
        except HTTPError as exc:
            ledger.failures.append(f"writer {writer}: {exc!r}")


class RetryableError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def written(ledger: Ledger, at_least: int) -> None:
    """Wait until ``at_least`` articles were acknowledged, so that the outages interrupt writers at work."""
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        if len(ledger.articles) >= at_least:
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"{len(ledger.articles)} articles acknowledged in {WAIT_SECONDS} s, {at_least} awaited")


async def test_every_acknowledged_write_survives_a_restart_and_a_crash(
    faulty: AsyncClient, postgres: ThrowawayPostgres
) -> None:
    ledger = Ledger()
    stop = asyncio.Event()
    writers = [asyncio.create_task(write_until(faulty, number, ledger, stop)) for number in range(WRITERS)]

    await written(ledger, at_least=2 * WRITERS)  # on a busy machine, registering (argon2) alone can take seconds
    await asyncio.sleep(PHASE_SECONDS)
    await asyncio.to_thread(postgres.restart, "fast")
    await asyncio.sleep(PHASE_SECONDS)
    await asyncio.to_thread(postgres.stop, "immediate")
    await asyncio.sleep(PHASE_SECONDS / 4)
    await asyncio.to_thread(postgres.start)
    await written(ledger, at_least=len(ledger.articles) + WRITERS)  # the writers got going again
    stop.set()
    await asyncio.gather(*writers)

    assert ledger.failures == []
    assert ledger.retries > 0, "the outages were not noticed: the test proved nothing"
    engine = create_async_engine(postgres.url)
    try:
        async with engine.connect() as connection:
            users = set(await connection.scalars(select(User.username)))
            slugs = set(await connection.scalars(select(Article.slug)))
            comment_ids = set(await connection.scalars(select(Comment.id)))
            favorite_pairs = set(
                await connection.execute(
                    select(User.username, Article.slug)
                    .join(favorites, favorites.c.user_id == User.id)
                    .join(Article, Article.id == favorites.c.article_id)
                )
            )
    finally:
        await engine.dispose()
    assert ledger.users <= users
    assert ledger.articles - slugs == set()
    assert ledger.comments - comment_ids == set()
    assert ledger.favorites - favorite_pairs == set()
