"""Password reset by mail, through the API, against a real SMTP server, on the suite's database."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import AccountToken, Job
from conduit.lib.queue import JobQueue
from tests.conftest import RegisterUser, refusal
from tests.mail.conftest import PUBLIC_URL, mailed_token, text_of
from tests.support.smtp import MailServer

pytestmark = pytest.mark.anyio


async def ask(client: AsyncClient, email: str) -> tuple[int, bytes]:
    response = await client.post("/api/users/password-reset", json={"user": {"email": email}})
    return response.status_code, response.content


async def confirm(client: AsyncClient, token: str, password: str) -> tuple[int, dict[str, object]]:
    response = await client.post(
        "/api/users/password-reset/confirm", json={"user": {"token": token, "password": password}}
    )
    return response.status_code, response.json()


async def test_a_reset_arrives_by_mail_and_its_token_sets_a_new_password_once_and_revokes_the_old_tokens(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann = await member()

    assert await ask(client, ann.email.upper()) == (202, b"")
    assert mail_server.inbox.messages == []  # never sent inside the request
    assert await queue.run_due() == 1
    [message] = mail_server.inbox.wait_for(1)

    assert (message["To"], message["From"]) == (ann.email, "Conduit <mail@conduit.test>")
    assert message["Subject"] == "Reset your Conduit password"
    assert message["Message-ID"].endswith("@conduit.test>")
    assert message["List-Unsubscribe"] is None  # not a notification
    token = mailed_token(message, "reset-password")
    assert "works once" in text_of(message)
    assert f"{PUBLIC_URL}/reset-password?token=" in text_of(message)
    stored = (await db.scalars(select(AccountToken).where(AccountToken.purpose == "password-reset"))).all()
    assert [row.token_hash for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]  # only its hash

    status, body = await confirm(client, token, "a new long passphrase")
    assert status == 200
    user = body["user"]
    assert isinstance(user, dict)
    assert user["email"] == ann.email
    assert (await client.get("/api/user", headers=ann.headers)).status_code == 401  # the old token is revoked
    assert (await client.get("/api/user", headers={"Authorization": f"Token {user['token']}"})).status_code == 200
    old = await client.post("/api/users/login", json={"user": {"email": ann.email, "password": ann.password}})
    renewed = {"user": {"email": ann.email, "password": "a new long passphrase"}}
    new = await client.post("/api/users/login", json=renewed)
    assert (old.status_code, new.status_code) == (401, 200)

    assert await confirm(client, token, "yet another passphrase") == (422, refusal("token is invalid or expired"))
    assert mail_server.inbox.messages == [message]


async def test_an_unknown_address_gets_the_same_answer_and_the_same_work_and_no_mail(
    client: AsyncClient,
    member: RegisterUser,
    queue: JobQueue,
    mail_server: MailServer,
    db: AsyncSession,
    sql: list[str],
) -> None:
    ann = await member()
    sql.clear()

    known = await ask(client, ann.email)
    known_statements = list(sql)
    sql.clear()
    unknown = await ask(client, "nobody@example.org")

    assert known == unknown == (202, b"")
    assert sql == known_statements  # the request cannot tell, so neither can its time
    assert await db.scalar(select(func.count()).select_from(Job)) == 2
    assert await queue.run_due() == 2
    [message] = mail_server.inbox.wait_for(1)
    assert message["To"] == ann.email
    assert await db.scalar(select(func.count()).select_from(Job)) == 0


async def test_an_expired_token_or_a_made_up_one_changes_nothing(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann = await member()
    await ask(client, ann.email)
    await queue.run_due()
    token = mailed_token(mail_server.inbox.wait_for(1)[0], "reset-password")
    await db.execute(update(AccountToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()

    assert await confirm(client, token, "a new long passphrase") == (422, refusal("token is invalid or expired"))
    assert await confirm(client, "made-up", "a new long passphrase") == (422, refusal("token is invalid or expired"))
    login = await client.post("/api/users/login", json={"user": {"email": ann.email, "password": ann.password}})
    assert login.status_code == 200
    assert (await client.get("/api/user", headers=ann.headers)).status_code == 200


async def test_a_weak_new_password_is_refused_and_the_token_still_works(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer
) -> None:
    ann = await member()
    await ask(client, ann.email)
    await queue.run_due()
    token = mailed_token(mail_server.inbox.wait_for(1)[0], "reset-password")

    status, body = await confirm(client, token, "short")
    assert status == 422
    assert body["errors"] == {"password": [body["errors"]["password"][0]]}  # type: ignore[index]
    assert (await confirm(client, token, "a new long passphrase"))[0] == 200


async def test_a_newer_link_replaces_the_older_one(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer
) -> None:
    ann = await member()
    await ask(client, ann.email)
    await ask(client, ann.email)
    await queue.run_due()
    first, second = (mailed_token(message, "reset-password") for message in mail_server.inbox.wait_for(2))

    assert (await confirm(client, first, "a new long passphrase"))[0] == 422
    assert (await confirm(client, second, "a new long passphrase"))[0] == 200


async def test_asks_are_throttled_per_address_typed_in_and_per_client(
    client: AsyncClient, db: AsyncSession, settings: object
) -> None:
    for _ in range(5):  # PASSWORD_RESETS_PER_ACCOUNT's default
        assert (await ask(client, "ann@example.org"))[0] == 202
    response = await client.post("/api/users/password-reset", json={"user": {"email": "ANN@example.org"}})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json() == refusal(f"email {response.json()['errors']['email'][0]}")
    assert response.json()["errors"]["email"][0].startswith("was asked for too many reset links")
    for number in range(14):  # with the six above, PASSWORD_RESETS_PER_ADDRESS (20) is reached
        assert (await ask(client, f"someone{number}@example.org"))[0] == 202
    refused = await client.post("/api/users/password-reset", json={"user": {"email": "bob@example.org"}})
    assert refused.status_code == 429
    assert set(refused.json()["errors"]) == {"requests"}
    assert await db.scalar(select(func.count()).select_from(Job)) == 19  # 5 + 14: a refused ask queues nothing


async def test_a_malformed_ask_is_refused_in_the_realworld_shape(client: AsyncClient) -> None:
    response = await client.post("/api/users/password-reset", json={"user": {"email": "not an address"}})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email"}
