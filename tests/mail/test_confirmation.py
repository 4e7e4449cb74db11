"""Address confirmation, after sign-up and after an address change, as RealWorld clients expect it (the default)."""

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import User
from conduit.lib.queue import JobQueue
from tests.conftest import Account, RegisterUser
from tests.mail.conftest import mailed_token
from tests.support.smtp import MailServer

pytestmark = pytest.mark.anyio


async def confirm(client: AsyncClient, token: str) -> int:
    response = await client.post("/api/users/email-confirmation", json={"user": {"token": token}})
    return response.status_code


async def account(db: AsyncSession, username: str) -> User:
    db.expire_all()
    user = await db.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


async def change_email(client: AsyncClient, who: Account, email: str) -> str:
    response = await client.put("/api/user", headers=who.headers, json={"user": {"email": email}})
    assert response.status_code == 200, response.text
    answered: str = response.json()["user"]["email"]
    return answered


async def test_a_new_account_is_sent_a_confirmation_and_confirming_it_once_is_enough(
    client: AsyncClient, register: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann = await register()
    assert (await account(db, ann.username)).email_verified_at is None
    await queue.run_due()
    [message] = mail_server.inbox.wait_for(1)

    assert (message["To"], message["Subject"]) == (ann.email, "Confirm your email address for Conduit")
    token = mailed_token(message, "verify-email")
    assert await confirm(client, token) == 200
    assert (await account(db, ann.username)).email_verified_at is not None
    assert await confirm(client, token) == 422


async def test_by_default_a_new_address_is_the_accounts_at_once_and_is_sent_a_confirmation(
    client: AsyncClient, register: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann = await register()
    await queue.run_due()
    assert await confirm(client, mailed_token(mail_server.inbox.wait_for(1)[0], "verify-email")) == 200

    assert await change_email(client, ann, "ann.new@example.org") == "ann.new@example.org"  # as RealWorld says
    assert (await account(db, ann.username)).email_verified_at is None
    await queue.run_due()
    [message] = mail_server.inbox.wait_for(2)[1:]
    assert message["To"] == "ann.new@example.org"
    assert await confirm(client, mailed_token(message, "verify-email")) == 200
    assert (await account(db, ann.username)).email_verified_at is not None


async def test_a_confirmation_for_an_address_the_account_left_is_not_sent(
    client: AsyncClient, register: RegisterUser, queue: JobQueue, mail_server: MailServer
) -> None:
    ann = await register()
    await change_email(client, ann, "ann.second@example.org")
    await change_email(client, ann, "ann.third@example.org")
    await queue.run_due()

    assert [message["To"] for message in mail_server.inbox.wait_for(1)] == ["ann.third@example.org"]
