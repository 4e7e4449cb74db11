"""Throttling: failed sign-ins per account and per address, registrations, writes and reads, in memory and in Redis."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from httpx import ASGITransport, AsyncClient, Response

from conduit.app import create_app
from tests.conftest import Account, RegisterUser, refusal, settings_for
from tests.factories import NewUserFactory
from tests.support.servers import redis_reachable
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
Throttled = Callable[..., AbstractAsyncContextManager[AsyncClient]]


needs_redis = pytest.mark.skipif(
    not redis_reachable(REDIS_URL) and os.environ.get("CI") != "true",
    reason=f"no Redis at {REDIS_URL} (TEST_REDIS_URL)",
)


def unique_address() -> str:
    """A client address no other test (nor an earlier run sharing the Redis) has counted against."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def forget_in_redis(*keys: str) -> None:
    """Delete the Redis counters of these accounts and addresses."""
    server = redis.Redis.from_url(REDIS_URL)
    for key in keys:
        if counters := server.keys(f"conduit*{key}*"):
            server.delete(*counters)


@pytest.fixture
def throttled(client: AsyncClient, suite_database_url: str, tmp_path: Path) -> Throttled:
    """Clients of apps with the limits given (the tables were emptied by ``client``), from one address."""

    @asynccontextmanager
    async def open_client(address: str = "203.0.113.7", **limits: Any) -> AsyncIterator[AsyncClient]:
        app = create_app(settings_for(tmp_path, suite_database_url, **limits))
        transport = ASGITransport(app=app, client=(address, 4321))  # type: ignore[arg-type]
        async with app.lifespan(), AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            yield http

    return open_client


async def sign_in(client: AsyncClient, email: str, password: str) -> Response:
    return await client.post("/api/users/login", json={"user": {"email": email, "password": password}})


async def test_the_eleventh_wrong_password_within_the_window_is_429_even_with_the_right_password(
    throttled: Throttled, register: RegisterUser
) -> None:
    account, other = await register(), await register()
    async with throttled() as client:
        failures = [(await sign_in(client, account.email, f"wrong password {n}")).status_code for n in range(10)]
        refused = await sign_in(client, account.email, "wrong password 11")
        right = await sign_in(client, account.email.upper(), account.password)
        elsewhere = await sign_in(client, other.email, other.password)

    assert failures == [401] * 10
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    (message,) = refused.json()["errors"]["credentials"]
    assert message.startswith("failed too often for this account; try again in ")
    assert right.status_code == 429
    assert elsewhere.status_code == 200


async def test_failed_sign_ins_from_one_address_are_limited_across_accounts(
    throttled: Throttled, register: RegisterUser
) -> None:
    accounts = [await register() for _ in range(3)]
    async with throttled(sign_in_failures_per_address=4) as client:
        statuses = [(await sign_in(client, account.email, "wrong password")).status_code for account in accounts]
        statuses += [(await sign_in(client, f"nobody{n}@example.org", "wrong password")).status_code for n in range(2)]
    async with throttled(address="198.51.100.9", sign_in_failures_per_address=4) as elsewhere:
        other_address = await sign_in(elsewhere, accounts[0].email, accounts[0].password)

    assert statuses == [401, 401, 401, 401, 429]
    assert other_address.status_code == 200


COUNTERS = ["memory", pytest.param("redis", marks=needs_redis)]


@pytest.mark.parametrize("counters", COUNTERS)
async def test_concurrent_wrong_passwords_for_one_account_are_cut_off_at_the_limit(
    throttled: Throttled, register: RegisterUser, counters: str
) -> None:
    account = await register()
    address = unique_address()
    shared = {"redis_url": REDIS_URL} if counters == "redis" else {}
    async with throttled(address, **shared) as client:
        responses = await asyncio.gather(*(sign_in(client, account.email, f"wrong password {n}") for n in range(30)))
    if shared:
        forget_in_redis(account.email, address)

    assert sorted(response.status_code for response in responses) == [401] * 10 + [429] * 20
    for refused in (response for response in responses if response.status_code == 429):
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
        (message,) = refused.json()["errors"]["credentials"]
        assert message.startswith("failed too often for this account; try again in ")


@pytest.mark.parametrize("counters", COUNTERS)
async def test_concurrent_wrong_passwords_from_one_address_are_cut_off_at_the_limit(
    throttled: Throttled, counters: str
) -> None:
    address = unique_address()
    shared = {"redis_url": REDIS_URL} if counters == "redis" else {}
    emails = [f"nobody{n}.{uuid.uuid4().hex}@example.org" for n in range(30)]
    async with throttled(address, sign_in_failures_per_address=10, **shared) as client:
        responses = await asyncio.gather(*(sign_in(client, email, "wrong password") for email in emails))
    if shared:
        forget_in_redis(address, *emails)

    assert sorted(response.status_code for response in responses) == [401] * 10 + [429] * 20
    refused = next(response for response in responses if response.status_code == 429)
    assert int(refused.headers["retry-after"]) > 0
    (message,) = refused.json()["errors"]["credentials"]
    assert message.startswith("failed too often from your address; try again in ")


@pytest.mark.parametrize("counters", COUNTERS)
async def test_successful_sign_ins_are_not_counted(throttled: Throttled, register: RegisterUser, counters: str) -> None:
    account = await register()
    address = unique_address()
    shared = {"redis_url": REDIS_URL} if counters == "redis" else {}
    limits = {"sign_in_failures_per_account": 2, "sign_in_failures_per_address": 2}
    async with throttled(address, **limits, **shared) as client:
        statuses = [(await sign_in(client, account.email, account.password)).status_code for _ in range(5)]
        statuses += [(await sign_in(client, account.email, "wrong password")).status_code for _ in range(3)]
    if shared:
        forget_in_redis(account.email, address)

    assert statuses == [200] * 5 + [401, 401, 429]


def assert_refused(response: Response, sentence: str, *, window_seconds: int) -> None:
    """A 429 in the RealWorld shape, its error reading ``sentence`` and saying when to come back."""
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= window_seconds
    assert response.json() == refusal(f"{sentence}; try again in {response.headers['retry-after']} seconds")


async def test_registrations_from_one_address_are_limited(throttled: Throttled) -> None:
    async with throttled(registrations_per_hour=2) as client:
        responses = []
        for _ in range(3):
            new = NewUserFactory.build()
            fields = {"username": new.username, "email": new.email, "password": new.password}
            responses.append(await client.post("/api/users", json={"user": fields}))

    assert [response.status_code for response in responses] == [201, 201, 429]
    assert_refused(responses[-1], "registrations are too many from your address", window_seconds=3600)


async def test_the_sign_up_page_shows_the_refusal(throttled: Throttled) -> None:
    async with throttled(registrations_per_hour=1) as client:
        browser = Browser(client)
        pages = []
        for _ in range(2):
            new = NewUserFactory.build()
            fields = {"username": new.username, "email": new.email, "password": new.password}
            pages.append(await browser.submit("/register", "/register", fields))
            client.cookies.clear()

    signed_up, refused = pages
    assert signed_up.status_code == 303
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert f"registrations are too many from your address; try again in {refused.headers['retry-after']} seconds" in (
        refused.text
    )
    assert 'name="username"' in refused.text


async def test_writes_are_limited_per_address_and_reads_are_not_by_default(
    throttled: Throttled, register: RegisterUser
) -> None:
    account = await register()
    async with throttled(writes_per_minute=3) as client:
        writes = [
            await client.put("/api/user", headers=account.headers, json={"user": {"bio": f"{n}"}}) for n in range(4)
        ]
        reads = [(await client.get("/api/articles")).status_code for _ in range(50)]

    assert [write.status_code for write in writes] == [200, 200, 200, 429]
    assert_refused(writes[-1], "requests are too many from your address", window_seconds=60)
    assert reads == [200] * 50


async def test_a_throttled_page_form_shows_the_refusal(
    throttled: Throttled, register: RegisterUser, client: AsyncClient
) -> None:
    account = await register()
    async with throttled(writes_per_minute=2) as other:
        browser = Browser(other)
        await browser.sign_in(account)
        saved = await browser.submit("/editor", "/editor", {"title": "First", "description": "d", "body": "b"})
        refused = await browser.submit("/editor", "/editor", {"title": "Second", "description": "d", "body": "b"})

    articles = (await client.get("/api/articles")).json()["articles"]
    assert saved.status_code == 303
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "Too many attempts" in refused.text
    assert f"requests are too many from your address; try again in {refused.headers['retry-after']} seconds" in (
        refused.text
    )
    assert [article["title"] for article in articles] == ["First"]


async def test_reads_can_be_limited_and_static_files_never_are(throttled: Throttled) -> None:
    async with throttled(reads_per_minute=2) as client:
        reads = [(await client.get("/api/tags")).status_code for _ in range(3)]
        static = [(await client.get("/static/conduit.css")).status_code for _ in range(3)]

    assert reads == [200, 200, 429]
    assert static == [200] * 3


async def test_the_sign_in_page_shows_the_refusal(throttled: Throttled, register: RegisterUser) -> None:
    account = await register()
    async with throttled(sign_in_failures_per_account=1) as client:
        await sign_in(client, account.email, "wrong password")
        form = await client.get("/login")
        token = form.text.split('name="_csrf_token" value="')[1].split('"')[0]
        page = await client.post(
            "/login", data={"email": account.email, "password": account.password, "_csrf_token": token}
        )

    assert page.status_code == 429
    assert "retry-after" in page.headers
    assert "credentials failed too often for this account; try again in" in page.text
    assert 'name="email"' in page.text


@needs_redis
async def test_processes_sharing_redis_share_the_counts(throttled: Throttled, register: RegisterUser) -> None:
    account = await register()
    address = unique_address()
    limits = {"redis_url": REDIS_URL, "sign_in_failures_per_account": 3, "writes_per_minute": 0}
    email = account.email
    async with throttled(address, **limits) as first, throttled(address, **limits) as second:
        statuses = [(await sign_in(first, email, "wrong password")).status_code for _ in range(2)]
        statuses.append((await sign_in(second, email, "wrong password")).status_code)
        statuses.append((await sign_in(first, email, account.password)).status_code)
        statuses.append((await sign_in(second, email, account.password)).status_code)

    assert statuses == [401, 401, 401, 429, 429]
    forget_in_redis(email, address)


async def test_unreachable_counters_answer_503_and_let_nothing_through(
    throttled: Throttled, register: RegisterUser
) -> None:
    account: Account = await register()
    async with throttled(redis_url="redis://127.0.0.1:1/0") as client:
        response = await sign_in(client, account.email, account.password)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == refusal("service is busy; please retry")
