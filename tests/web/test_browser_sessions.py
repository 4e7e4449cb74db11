"""Browser sessions under attack: fixation, rotation, and ending every session of an account."""

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import SessionRecord
from conduit.web.browser_sessions import BROWSER_SESSION_COOKIE
from tests.conftest import Account, RegisterUser
from tests.web.conftest import Browser, session_rows

pytestmark = pytest.mark.anyio


@pytest.fixture
async def elsewhere(app: Litestar, client: AsyncClient) -> AsyncIterator[Browser]:
    """Another browser on the same (already started) app, with cookies of its own."""
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        yield Browser(other)


def session_id(browser: Browser) -> str:
    value = browser.client.cookies.get(BROWSER_SESSION_COOKIE)
    assert value
    return value


async def test_a_planted_cookie_of_a_signed_in_attacker_opens_nothing_once_the_victim_signs_in(
    browser: Browser, elsewhere: Browser, register: RegisterUser, db: AsyncSession
) -> None:
    victim, attacker = await register(), await register()
    await elsewhere.sign_in(attacker)
    planted = session_id(elsewhere)
    browser.client.cookies.set(BROWSER_SESSION_COOKIE, planted, domain="testserver.local")

    await browser.sign_in(victim)
    settings = await elsewhere.get("/settings")  # the attacker, still holding the cookie they planted
    victims_settings = await browser.get("/settings")

    assert session_id(browser) != planted
    assert await session_rows(db) == 1
    assert settings.status_code == 303
    assert settings.headers["location"] == "/login?next=/settings"
    assert victims_settings.status_code == 200
    assert f'value="{victim.username}"' in victims_settings.text


async def test_every_sign_in_starts_a_new_session_and_deletes_the_old_row(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    first = session_id(browser)

    await browser.sign_in(member)
    second = session_id(browser)
    await browser.submit("/settings", "/logout", {})
    keys = (await db.scalars(select(SessionRecord.key))).all()

    assert first != second
    assert keys == []
    browser.client.cookies.set(BROWSER_SESSION_COOKIE, second, domain="testserver.local")
    assert (await browser.get("/settings")).status_code == 303


async def test_a_new_password_ends_every_other_session_and_token_but_keeps_this_browser_signed_in(
    browser: Browser, elsewhere: Browser, member: Account, client: AsyncClient, db: AsyncSession
) -> None:
    await elsewhere.sign_in(member)
    before = session_id(browser)

    saved = await browser.submit(
        "/settings",
        "/settings",
        {"image": "", "username": member.username, "bio": "", "email": member.email, "password": "a brand new secret"},
    )

    assert saved.status_code == 303
    assert (await browser.get("/settings")).status_code == 200
    assert session_id(browser) != before
    assert (await elsewhere.get("/settings")).status_code == 303
    assert (await client.get("/api/user", headers=member.headers)).status_code == 401
    assert await session_rows(db) == 1


async def test_a_new_password_through_the_api_signs_the_accounts_browsers_out(
    browser: Browser, elsewhere: Browser, member: Account, client: AsyncClient, db: AsyncSession
) -> None:
    await elsewhere.sign_in(member)
    assert (await elsewhere.get("/settings")).status_code == 200

    changed = await client.put("/api/user", headers=member.headers, json={"user": {"password": "a brand new secret"}})
    fresh = {"Authorization": f"Token {changed.json()['user']['token']}"}

    assert changed.status_code == 200
    assert (await browser.get("/settings")).status_code == 303
    assert (await elsewhere.get("/settings")).status_code == 303
    assert (await client.get("/api/user", headers=member.headers)).status_code == 401
    assert (await client.get("/api/user", headers=fresh)).status_code == 200
    assert await session_rows(db) == 0


async def test_sign_out_everywhere_ends_every_session_and_token(
    browser: Browser, elsewhere: Browser, member: Account, client: AsyncClient, db: AsyncSession
) -> None:
    await elsewhere.sign_in(member)
    settings = await browser.get("/settings")

    response = await browser.submit("/settings", "/settings/sign-out-everywhere", {})

    assert "Sign out everywhere" in settings.text
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert (await browser.get("/settings")).status_code == 303
    assert (await elsewhere.get("/settings")).status_code == 303
    assert (await client.get("/api/user", headers=member.headers)).status_code == 401
    assert await session_rows(db) == 0
