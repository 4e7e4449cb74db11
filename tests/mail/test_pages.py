"""The account mail pages, as a browser with JavaScript off uses them: forms with CSRF tokens, errors in place."""

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import User
from conduit.lib.queue import JobQueue
from tests.conftest import RegisterUser
from tests.mail.conftest import mailed_token
from tests.support.smtp import MailServer
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio


@pytest.fixture
def browser(client: AsyncClient) -> Browser:
    return Browser(client)


async def test_a_forgotten_password_is_reset_from_the_sign_in_page(
    client: AsyncClient,
    browser: Browser,
    member: RegisterUser,
    queue: JobQueue,
    mail_server: MailServer,
    app: Litestar,
) -> None:
    ann = await member()
    transport = ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar narrows the ASGI types
    elsewhere = Browser(AsyncClient(transport=transport, base_url=str(client.base_url)))  # another browser
    await elsewhere.sign_in(ann)

    sign_in_page = await browser.get("/login")
    assert '<a href="/forgot-password">Forgot password?</a>' in sign_in_page.text
    sent = await browser.submit("/forgot-password", "/forgot-password", {"email": ann.email})
    unknown = await browser.submit("/forgot-password", "/forgot-password", {"email": "nobody@example.org"})
    assert sent.status_code == unknown.status_code == 200
    assert "Check your mail" in sent.text
    assert sent.text.replace(ann.email, "nobody@example.org") == unknown.text
    await queue.run_due()
    [message] = mail_server.inbox.wait_for(1)
    token = mailed_token(message, "reset-password")

    form = await browser.get(f"/reset-password?token={token}")
    assert f'name="token" value="{token}"' in form.text
    weak = await browser.submit(f"/reset-password?token={token}", "/reset-password", {"token": token, "password": "x"})
    assert weak.status_code == 422
    assert 'aria-invalid="true" aria-describedby="password-errors"' in weak.text
    done = await browser.submit(
        f"/reset-password?token={token}", "/reset-password", {"token": token, "password": "a new long passphrase"}
    )
    assert (done.status_code, done.headers["location"]) == (303, "/")
    assert (await browser.get("/settings")).status_code == 200  # this browser is signed in
    assert (await elsewhere.get("/settings")).status_code == 303  # the other one is signed out
    again = await browser.submit(
        f"/reset-password?token={token}", "/reset-password", {"token": token, "password": "another passphrase"}
    )
    assert again.status_code == 422
    assert "token is invalid or expired" in again.text
    assert '<a href="/forgot-password">Ask for a new link</a>' in again.text
    await elsewhere.client.aclose()


async def test_the_forms_need_their_csrf_token(client: AsyncClient) -> None:
    response = await client.post("/forgot-password", data={"email": "ann@example.org"})

    assert response.status_code == 403


async def test_an_address_is_confirmed_by_a_button_not_by_opening_the_link(
    client: AsyncClient,
    browser: Browser,
    register: RegisterUser,
    queue: JobQueue,
    mail_server: MailServer,
    db: AsyncSession,
) -> None:
    ann = await register()
    await browser.sign_in(ann)
    assert "Your address is not confirmed yet" in (await browser.get("/settings")).text
    await queue.run_due()
    token = mailed_token(mail_server.inbox.wait_for(1)[0], "verify-email")

    opened = await browser.get(f"/verify-email?token={token}")
    assert "Confirm my address" in opened.text
    assert (await db.scalar(select(User.email_verified_at).where(User.username == ann.username))) is None
    confirmed = await browser.submit(f"/verify-email?token={token}", "/verify-email", {"token": token})
    assert confirmed.status_code == 200
    assert f"{ann.email} is confirmed as your address" in confirmed.text
    assert "Your address is confirmed." in (await browser.get("/settings")).text


async def test_mail_choices_are_saved_from_the_settings_page(
    browser: Browser, member: RegisterUser, db: AsyncSession
) -> None:
    ann = await member()
    await browser.sign_in(ann)
    page = await browser.get("/settings")
    assert 'name="follows" value="on" checked' in page.text

    saved = await browser.submit("/settings", "/settings/notifications", {"comments": "on"})

    assert (saved.status_code, saved.headers["location"]) == (303, "/settings#notifications")
    db.expire_all()
    user = await db.scalar(select(User).where(User.username == ann.username))
    assert user is not None
    assert (user.notify_follows, user.notify_comments) == (False, True)
    assert 'name="follows" value="on">' in (await browser.get("/settings")).text
