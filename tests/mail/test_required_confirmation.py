"""``REQUIRE_VERIFIED_EMAIL``: only confirmed addresses publish, and a new address waits for its confirmation."""

from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.lib.queue import JobQueue
from conduit.lib.settings import Settings
from tests.conftest import RegisterUser, refusal, settings_for
from tests.mail.conftest import PUBLIC_URL, mailed_token
from tests.mail.test_confirmation import account, change_email, confirm
from tests.support.smtp import MailServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path, mail_server: MailServer) -> Settings:
    return settings_for(
        tmp_path, suite_database_url, smtp_url=mail_server.url, public_url=PUBLIC_URL, require_verified_email=True
    )


async def test_with_required_confirmation_an_unconfirmed_author_cannot_publish_and_a_new_address_waits(
    client: AsyncClient, register: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann = await register()
    article = {"article": {"title": "Too soon", "description": "d", "body": "b", "tagList": []}}

    refused = await client.post("/api/articles", headers=ann.headers, json=article)
    assert (refused.status_code, refused.json()["errors"].keys()) == (403, {"email"})
    await queue.run_due()
    assert await confirm(client, mailed_token(mail_server.inbox.wait_for(1)[0], "verify-email")) == 200
    assert (await client.post("/api/articles", headers=ann.headers, json=article)).status_code == 201

    assert await change_email(client, ann, "ann.new@example.org") == ann.email  # the old one stays until confirmed
    user = await account(db, ann.username)
    assert (user.email, user.pending_email) == (ann.email, "ann.new@example.org")
    await queue.run_due()
    [message] = mail_server.inbox.wait_for(2)[1:]
    assert message["To"] == "ann.new@example.org"
    assert await confirm(client, mailed_token(message, "verify-email")) == 200
    user = await account(db, ann.username)
    assert (user.email, user.pending_email) == ("ann.new@example.org", None)
    login = {"user": {"email": "ann.new@example.org", "password": ann.password}}
    assert (await client.post("/api/users/login", json=login)).status_code == 200


async def test_an_address_taken_meanwhile_cannot_be_confirmed(
    client: AsyncClient, register: RegisterUser, queue: JobQueue, mail_server: MailServer
) -> None:
    ann = await register()
    await change_email(client, ann, "wanted@example.org")
    await queue.run_due()
    await register(email="wanted@example.org")
    await queue.run_due()
    token = mailed_token(
        next(message for message in mail_server.inbox.wait_for(3) if message["To"] == "wanted@example.org"),
        "verify-email",
    )

    response = await client.post("/api/users/email-confirmation", json={"user": {"token": token}})
    assert (response.status_code, response.json()) == (409, refusal("email has already been taken"))
