"""The benchmark's floor: the least a Python server on this stack does for the same work as Conduit's hottest reads.

A minimal Litestar app (litestar + asyncpg + msgspec, one worker, served by Granian like ``conduit run``) reading
Conduit's PostgreSQL tables with the statements Conduit's own reads amount to, on the same kept counters:

- ``GET /api/articles?limit=20&offset=0``: ONE statement finds the page's ids in the articles' index, joins the
  authors, aggregates each article's tag names with ``array_agg``, and reads ``articles.favorites_count`` and the
  total from ``counters`` (no ``count(*)``, no summing of favorites: Conduit keeps those counts); msgspec encodes
  the RealWorld shape (anonymous reader: ``favorited`` and ``following`` are false).
- ``GET /api/tags``: one statement, the 20 most used tag names from ``tags.articles_count``.

No validation beyond Litestar's query parameters, no authentication, no ORM, no transaction. ``scripts/bench.py``
starts it::

    python scripts/bench_floor.py --dsn postgresql://postgres@127.0.0.1:5432/conduit_bench --port 8001
"""

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import msgspec
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from litestar import Litestar, get
from litestar.datastructures import State

POOL_SIZE = 10
POPULAR_TAGS = 20
DSN_VARIABLE = "BENCH_FLOOR_DSN"

ARTICLES_SQL = """
SELECT a.slug, a.title, a.description,
       coalesce((SELECT array_agg(t.name ORDER BY t.name)
                 FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id
                 WHERE at.article_id = a.id), '{}') AS tag_list,
       to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       a.favorites_count,
       u.username, u.bio, u.image,
       (SELECT c.value FROM counters AS c WHERE c.name = 'articles') AS total
FROM articles AS a
JOIN users AS u ON u.id = a.author_id
JOIN (SELECT id FROM articles ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2) AS page ON page.id = a.id
ORDER BY a.created_at DESC, a.id DESC
"""

TAGS_SQL = """
SELECT name FROM tags WHERE articles_count > 0 ORDER BY articles_count DESC, name LIMIT $1
"""


class Profile(msgspec.Struct):
    """An article's author as an anonymous reader sees them."""

    username: str
    bio: str | None
    image: str | None
    following: bool


class ArticleSummary(msgspec.Struct, rename="camel"):
    """An article in a list: everything but the body."""

    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: str
    updated_at: str
    favorited: bool
    favorites_count: int
    author: Profile


class ArticlesResponse(msgspec.Struct, rename="camel"):
    """One page of articles and how many there are in all."""

    articles: list[ArticleSummary]
    articles_count: int


class TagsResponse(msgspec.Struct):
    """The most used tag names, most popular first."""

    tags: list[str]


@get("/api/articles")
async def list_articles(state: State, limit: int = 20, offset: int = 0) -> ArticlesResponse:
    """The newest articles, with the same ordering and shape as Conduit's anonymous list."""
    rows = await state.pool.fetch(ARTICLES_SQL, limit, offset)
    articles = [
        ArticleSummary(
            slug=row["slug"],
            title=row["title"],
            description=row["description"],
            tag_list=row["tag_list"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            favorited=False,
            favorites_count=row["favorites_count"],
            author=Profile(username=row["username"], bio=row["bio"], image=row["image"], following=False),
        )
        for row in rows
    ]
    return ArticlesResponse(articles=articles, articles_count=rows[0]["total"] if rows else 0)


@get("/api/tags")
async def list_tags(state: State) -> TagsResponse:
    """The most used tag names."""
    return TagsResponse(tags=[row["name"] for row in await state.pool.fetch(TAGS_SQL, POPULAR_TAGS)])


def create_app() -> Litestar:
    """The floor app (its database named by ``BENCH_FLOOR_DSN``); its connection pool lives as long as the app."""
    dsn = os.environ[DSN_VARIABLE]

    @asynccontextmanager
    async def pool_lifespan(app: Litestar) -> AsyncIterator[None]:
        async with asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
            app.state.pool = pool
            yield

    return Litestar(route_handlers=[list_articles, list_tags], lifespan=[pool_lifespan])


def main() -> None:
    """Serve the floor app on 127.0.0.1 until interrupted, with one Granian worker."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True, help="asyncpg DSN of a database Conduit's demo data fills")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    os.environ[DSN_VARIABLE] = args.dsn  # read by the worker's factory
    Granian(
        "bench_floor:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        address="127.0.0.1",
        port=args.port,
        working_dir=Path(__file__).parent,
    ).serve()


if __name__ == "__main__":
    main()
