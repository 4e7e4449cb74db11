"""Conduit through PgBouncer in transaction mode, where consecutive transactions of one client connection
run on whichever server connection is free.

To make that happen on cue, a second client (the "neighbour") holds a transaction open on one of
PgBouncer's two server connections while Conduit serves a request, on alternate server connections
from one request to the next.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from httpx import Response
from sqlalchemy.engine import make_url

from conduit.app import create_app
from tests.conftest import ON_POSTGRES, ScratchDatabase, serve, settings_for
from tests.support.databases import migrate_afresh
from tests.support.observe import captured_logs
from tests.support.servers import pgbouncer, require_pgbouncer

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not ON_POSTGRES, reason="PgBouncer stands in front of PostgreSQL: the PostgreSQL pass only"),
]


@pytest.fixture
def bouncer(scratch_database: ScratchDatabase, tmp_path: Path) -> Iterator[str]:
    """PgBouncer, in transaction mode with two server connections, in front of a fresh Conduit database."""
    require_pgbouncer()
    url = scratch_database()
    migrate_afresh(url)
    with pgbouncer(url, tmp_path, pool_size=2) as bounced:
        yield bounced


@pytest.fixture
async def neighbour(bouncer: str) -> AsyncIterator[asyncpg.Connection]:
    """Another client of the same PgBouncer."""
    url = make_url(bouncer)
    connection = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    yield connection
    await connection.close()


async def alternating_requests(neighbour: asyncpg.Connection, request: Callable[[], Awaitable[Response]]) -> list[int]:
    """Make ``request`` six times, the neighbour holding a server connection during each but the first."""
    statuses = [(await request()).status_code]
    for _ in range(5):
        transaction = neighbour.transaction()
        await transaction.start()
        await neighbour.fetchval("SELECT 1")
        statuses.append((await request()).status_code)
        await transaction.commit()
    return statuses


async def test_conduit_works_through_pgbouncer_with_database_pgbouncer(
    bouncer: str, neighbour: asyncpg.Connection, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, bouncer, environment="development", database_pgbouncer=True))

    async with serve(app) as client:
        ready = await client.get("/readyz")
        users = [
            await client.post(
                "/api/users", json={"user": {"username": f"u{i}", "email": f"u{i}@example.org", "password": "p" * 10}}
            )
            for i in range(3)
        ]
        tokens = [{"Authorization": f"Token {user.json()['user']['token']}"} for user in users]
        article = await client.post(
            "/api/articles",
            headers=tokens[0],
            json={"article": {"title": "Pooled", "description": "d", "body": "b", "tagList": ["pgbouncer"]}},
        )
        slug = article.json()["article"]["slug"]
        concurrent = await asyncio.gather(
            *(client.post(f"/api/articles/{slug}/favorite", headers=token) for token in tokens),
            *(
                client.post(f"/api/articles/{slug}/comments", headers=token, json={"comment": {"body": "hi"}})
                for token in tokens
            ),
            *(client.get("/api/articles", headers=token) for token in tokens),
        )
        alternating = await alternating_requests(neighbour, lambda: client.get(f"/api/articles/{slug}"))
        final = await client.get(f"/api/articles/{slug}")

    assert ready.status_code == 200
    assert [user.status_code for user in users] == [201, 201, 201]
    assert article.status_code == 201
    assert [response.status_code for response in concurrent] == [200] * 3 + [201] * 3 + [200] * 3
    assert alternating == [200] * 6
    assert final.json()["article"]["favoritesCount"] == 3


SIGN_IN = {"user": {"email": "nobody@example.org", "password": "not-the-password"}}
"""A sign-in that looks up its account through SQLAlchemy (reads of a GET run on asyncpg directly, and
recover from a missing statement on a fresh connection; see ``conduit.db.reads``)."""


async def test_without_database_pgbouncer_a_cached_statement_goes_missing(
    bouncer: str, neighbour: asyncpg.Connection, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, bouncer, environment="development", log_format="json"))

    async with serve(app) as client:
        with captured_logs() as logs:
            statuses = await alternating_requests(neighbour, lambda: client.post("/api/users/login", json=SIGN_IN))

    assert statuses[0] == 401
    assert 500 in statuses
    assert "InvalidSQLStatementNameError" in logs.text
