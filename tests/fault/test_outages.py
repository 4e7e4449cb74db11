"""When PostgreSQL goes away: every request answers a retryable 503, and Conduit recovers by itself."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient, Response
from litestar import Litestar, get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Account
from tests.support.pgserver import ThrowawayPostgres
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio

NEW_USER = {"user": {"username": "ada", "email": "ada@example.org", "password": "correct horse battery"}}


def assert_retryable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"


async def until_served(client: AsyncClient, path: str, attempts: int = 5) -> Response:
    """GET ``path`` the way a client should: on a 503, wait ``Retry-After`` seconds and try again."""
    for _ in range(attempts):
        response = await client.get(path)
        if response.status_code != 503:
            return response
        await asyncio.sleep(float(response.headers["retry-after"]))
    return response


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_an_outage_answers_503_and_conduit_recovers_without_a_restart(
    faulty: AsyncClient, postgres: ThrowawayPostgres, mode: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await faulty.post("/api/users", json=NEW_USER)).status_code == 201
    assert (await faulty.get("/api/articles")).status_code == 200

    postgres.stop(mode)
    try:
        cached = await faulty.get("/api/articles")  # read before the outage: answered from the response cache
        api_read = await faulty.get("/api/articles?author=ada")
        api_write = await faulty.post("/api/users/login", json={"user": {"email": "ada@example.org", "password": "x"}})
        page = await faulty.get("/")
        tags = await faulty.get("/api/tags")
    finally:
        postgres.start()

    for response in (api_read, api_write, tags):
        assert_retryable(response)
        assert response.json() == {"errors": {"database": ["is busy; please retry"]}}
    assert cached.status_code == 200
    assert_retryable(page)
    assert "Busy, please try again" in page.text
    assert "Traceback" not in caplog.text
    assert (await until_served(faulty, "/api/articles")).status_code == 200
    assert (await until_served(faulty, "/")).status_code == 200


async def test_an_error_page_during_an_outage_falls_back_to_a_visitors_header(
    faulty: AsyncClient, postgres: ThrowawayPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    token = (await faulty.post("/api/users", json=NEW_USER)).json()["user"]["token"]
    user = NEW_USER["user"]
    await Browser(faulty).sign_in(Account(user["username"], user["email"], user["password"], token))
    assert 'href="/settings"' in (await faulty.get("/nothing/here")).text

    postgres.stop("fast")
    try:
        missing = await faulty.get("/nothing/here")
    finally:
        postgres.start()

    assert missing.status_code == 404
    assert 'href="/login"' in missing.text
    assert 'href="/settings"' not in missing.text
    assert "Traceback" not in caplog.text


@get("/api/test/slow-read")
async def slow_read(db_session: NamedDependency[AsyncSession]) -> None:
    """Holds a pooled connection for two seconds."""
    await db_session.execute(text("SELECT pg_sleep(2)"))


async def test_an_exhausted_pool_answers_503_after_the_pool_timeout(faulty_app: Litestar, faulty: AsyncClient) -> None:
    faulty_app.register(slow_read)
    pool_capacity = 4 + 4
    holders = [asyncio.create_task(faulty.get("/api/test/slow-read")) for _ in range(pool_capacity)]
    await asyncio.sleep(0.3)

    starved = await faulty.get("/api/tags")

    assert_retryable(starved)
    assert [response.status_code for response in await asyncio.gather(*holders)] == [200] * pool_capacity
    assert (await faulty.get("/api/tags")).status_code == 200
