"""The benchmark's floor: the least a Python server on this stack does for the same work as Conduit's hottest reads.

A minimal Litestar app (litestar + asyncpg + msgspec, one worker, served by Granian like ``conduit run``) reading
Conduit's PostgreSQL tables with the statements Conduit's own reads amount to, on the same kept counters:

- ``GET /api/articles?limit=20&offset=0``: ONE statement finds the page's ids in the articles' index, joins the
  authors, aggregates each article's tag names with ``array_agg``, and reads ``articles.favorites_count`` and the
  total from ``counters`` (no ``count(*)``, no summing of favorites: Conduit keeps those counts); msgspec encodes
  the RealWorld shape (anonymous viewer: ``favorited`` and ``following`` are false).
- ``GET /api/tags``: one statement, the 20 most used tag names from ``tags.articles_count``.
- the same list with ``Authorization: Token <jwt>`` (one of Conduit's tokens, signed with the secret key given as
  ``--secret-key``): the token's signature is verified once per process and its expiry on every request, one
  statement reads the account's ``token_version`` (it must be active and match the token's ``ver`` claim, or the
  answer is 401), and the page's statement also tells, per article, whether the viewer favorited it and follows
  its author. That is the work of Conduit's signed-in list, with the least code.
- ``GET /api/articles/feed`` (signed in the same way): the account, then ONE statement for the page of articles
  by the authors the viewer follows, its total read from ``users.feed_articles_count``.

No validation beyond Litestar's query parameters, no ORM, no transaction. ``scripts/bench.py`` starts it::

    python scripts/bench_floor.py --dsn postgresql://postgres@127.0.0.1:5432/conduit_bench --secret-key ... --port 8001
"""

import argparse
import functools
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import jwt
import msgspec
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException

POOL_SIZE = 10
POPULAR_TAGS = 20
DSN_VARIABLE, SECRET_VARIABLE = "BENCH_FLOOR_DSN", "BENCH_FLOOR_SECRET_KEY"


def _articles_sql(viewer_columns: str, total: str, authors: str = "") -> str:
    """A page of articles, newest first, in the columns the response needs: ``viewer_columns`` (what the viewer
    favorited and follows; none for anonymous viewers), the ``total`` read from a kept counter, and ``authors``,
    the page's filter on ``author_id`` (none: every article)."""
    return f"""
SELECT a.slug, a.title, a.description,
       coalesce((SELECT array_agg(t.name ORDER BY t.name)
                 FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id
                 WHERE at.article_id = a.id), '{{}}') AS tag_list,
       to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       a.favorites_count,{viewer_columns}
       u.username, u.bio, u.image,
       {total} AS total
FROM articles AS a
JOIN users AS u ON u.id = a.author_id
JOIN (SELECT id FROM articles {authors}
      ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2) AS page ON page.id = a.id
ORDER BY a.created_at DESC, a.id DESC
"""  # noqa: S608 - built once from the constants below, never from a request


FAVORITED = "EXISTS (SELECT 1 FROM favorites AS f WHERE f.article_id = a.id AND f.user_id = $3) AS favorited,"
FOLLOWING = "EXISTS (SELECT 1 FROM follows AS fo WHERE fo.follower_id = $3 AND fo.followed_id = a.author_id)"
ARTICLES_TOTAL = "(SELECT c.value FROM counters AS c WHERE c.name = 'articles')"
ARTICLES_SQL = _articles_sql("", ARTICLES_TOTAL)
SIGNED_IN_ARTICLES_SQL = _articles_sql(f"\n       {FAVORITED}\n       {FOLLOWING} AS following,", ARTICLES_TOTAL)
FEED_SQL = _articles_sql(
    f"\n       {FAVORITED}\n       true AS following,",
    "(SELECT r.feed_articles_count FROM users AS r WHERE r.id = $3)",
    "WHERE author_id IN (SELECT followed_id FROM follows WHERE follower_id = $3)",
)

ACCOUNT_SQL = "SELECT token_version FROM users WHERE id = $1 AND is_active"
# Conduit's conduit.lib.auth.TOKEN_VERSION, which Litestar's Token keeps under "extras".
TOKEN_VERSION_CLAIM = "ver"  # noqa: S105  # a claim's name, not a secret
SCHEMES = ("token", "bearer")
DECODED_TOKENS = 4096

TAGS_SQL = """
SELECT name FROM tags WHERE articles_count > 0 ORDER BY articles_count DESC, name LIMIT $1
"""


class Profile(msgspec.Struct):
    """An article's author as the viewer sees them (anonymous: not followed)."""

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


@functools.lru_cache(maxsize=DECODED_TOKENS)
def _claims(token: str, secret: str) -> dict[str, Any]:
    """The claims of a token whose signature is valid (checked once per process for each token)."""
    claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    return claims


async def _viewer(request: Request[Any, Any, Any], connection: Any) -> UUID | None:
    """The account the request's token names (None without an ``Authorization`` header), checked as Conduit checks
    it: the scheme ``Token`` or ``Bearer``, a valid signature, not expired, an active account whose token version
    is the token's.

    Raises:
        NotAuthorizedException: Any of that does not hold.
    """
    header = request.headers.get("authorization", "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    try:
        claims = _claims(token.strip(), request.app.state.secret_key)
        viewer = UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        raise NotAuthorizedException from None
    if scheme.lower() not in SCHEMES or claims.get("exp", 0) <= time.time():
        raise NotAuthorizedException
    version = await connection.fetchval(ACCOUNT_SQL, viewer)
    if version is None or version != claims.get("extras", {}).get(TOKEN_VERSION_CLAIM):
        raise NotAuthorizedException
    return viewer


def _page(rows: list[Any]) -> ArticlesResponse:
    articles = [
        ArticleSummary(
            slug=row["slug"],
            title=row["title"],
            description=row["description"],
            tag_list=row["tag_list"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            favorited=row.get("favorited", False),
            favorites_count=row["favorites_count"],
            author=Profile(
                username=row["username"], bio=row["bio"], image=row["image"], following=row.get("following", False)
            ),
        )
        for row in rows
    ]
    return ArticlesResponse(articles=articles, articles_count=rows[0]["total"] if rows else 0)


@get("/api/articles")
async def list_articles(
    request: Request[Any, Any, Any], state: State, limit: int = 20, offset: int = 0
) -> ArticlesResponse:
    """The newest articles, with the same ordering and shape as Conduit's list (signed in: with the viewer's
    favorites and follows)."""
    async with state.pool.acquire() as connection:
        viewer = await _viewer(request, connection)
        if viewer is None:
            return _page(await connection.fetch(ARTICLES_SQL, limit, offset))
        return _page(await connection.fetch(SIGNED_IN_ARTICLES_SQL, limit, offset, viewer))


@get("/api/articles/feed")
async def feed(request: Request[Any, Any, Any], state: State, limit: int = 20, offset: int = 0) -> ArticlesResponse:
    """The newest articles by the authors the signed-in viewer follows."""
    async with state.pool.acquire() as connection:
        viewer = await _viewer(request, connection)
        if viewer is None:
            raise NotAuthorizedException
        return _page(await connection.fetch(FEED_SQL, limit, offset, viewer))


@get("/api/tags")
async def list_tags(state: State) -> TagsResponse:
    """The most used tag names."""
    return TagsResponse(tags=[row["name"] for row in await state.pool.fetch(TAGS_SQL, POPULAR_TAGS)])


def create_app() -> Litestar:
    """The floor app (its database named by ``BENCH_FLOOR_DSN``); its connection pool lives as long as the app."""
    dsn = os.environ[DSN_VARIABLE]
    secret_key = os.environ[SECRET_VARIABLE]

    @asynccontextmanager
    async def pool_lifespan(app: Litestar) -> AsyncIterator[None]:
        async with asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE) as pool:
            app.state.pool = pool
            app.state.secret_key = secret_key
            yield

    return Litestar(route_handlers=[list_articles, feed, list_tags], lifespan=[pool_lifespan])


def main() -> None:
    """Serve the floor app on 127.0.0.1 until interrupted, with one Granian worker."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True, help="asyncpg DSN of a database Conduit's demo data fills")
    parser.add_argument("--secret-key", required=True, help="the secret key Conduit signs its tokens with")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    os.environ[DSN_VARIABLE] = args.dsn  # read by the worker's factory
    os.environ[SECRET_VARIABLE] = args.secret_key
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
