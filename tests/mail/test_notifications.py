"""Notification mails: a digest per kind, at most one per window, and a one-click unsubscribe (RFC 8058)."""

import asyncio
from urllib.parse import urlsplit

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Job, Notification, User
from conduit.lib.queue import JobQueue
from tests.conftest import Account, RegisterUser, WriteArticle
from tests.mail.conftest import PUBLIC_URL, html_of, text_of
from tests.support.smtp import MailServer

pytestmark = pytest.mark.anyio
DIGEST_SECONDS = 1  # the mail tests' NOTIFICATION_DIGEST_SECONDS


async def follow(client: AsyncClient, follower: Account, username: str) -> None:
    response = await client.post(f"/api/profiles/{username}/follow", headers=follower.headers)
    assert response.status_code == 200


async def digest_after_the_window(queue: JobQueue) -> int:
    assert await queue.run_due() == 0  # the digest waits for the window to close
    await asyncio.sleep(DIGEST_SECONDS + 0.1)
    return await queue.run_due()


async def count(db: AsyncSession, model: type[Job | Notification]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_burst_of_follows_is_one_mail_with_a_one_click_unsubscribe(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann, *followers = [await member() for _ in range(4)]
    for follower in followers:
        await follow(client, follower, ann.username)
    await follow(client, followers[0], ann.username)  # following again is no news

    assert await count(db, Notification) == 3
    assert await count(db, Job) == 1  # one digest for the burst
    assert await digest_after_the_window(queue) == 1
    [message] = mail_server.inbox.wait_for(1)
    assert (message["To"], message["Subject"]) == (ann.email, "New followers on Conduit")
    assert "you have 3 new followers" in text_of(message)
    for follower in followers:
        assert f"{PUBLIC_URL}/profile/{follower.username}" in text_of(message)
        assert f">{follower.username}</a>" in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{PUBLIC_URL}/unsubscribe?token=")
    assert await count(db, Notification) == 0

    link = urlsplit(unsubscribe)
    page = await client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    assert "Stop mail about new followers" in page.text
    one_click = await client.post(  # as a mail client posts it: no session, no CSRF token
        f"{link.path}?{link.query}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    db.expire_all()
    account = await db.scalar(select(User).where(User.username == ann.username))
    assert account is not None
    assert (account.notify_follows, account.notify_comments) == (False, True)

    newcomer = await member()
    await follow(client, newcomer, ann.username)
    assert (await count(db, Notification), await count(db, Job)) == (0, 0)


async def test_a_follow_after_a_digest_waits_for_the_next_window(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    ann, bob, cid = [await member() for _ in range(3)]
    await follow(client, bob, ann.username)
    await digest_after_the_window(queue)
    await follow(client, cid, ann.username)

    assert await digest_after_the_window(queue) == 1
    first, second = mail_server.inbox.wait_for(2)
    assert (bob.username in text_of(first), cid.username in text_of(second)) == (True, True)
    assert "you have a new follower" in text_of(second)


async def test_a_comment_is_mailed_to_the_author_but_not_their_own(
    client: AsyncClient,
    member: RegisterUser,
    write_article: WriteArticle,
    queue: JobQueue,
    mail_server: MailServer,
) -> None:
    ann, bob = await member(), await member()
    article = await write_article(ann, title="Notes on mail")
    for author, body in ((ann, "A note of my own"), (bob, "Lovely **notes**")):
        response = await client.post(
            f"/api/articles/{article['slug']}/comments", headers=author.headers, json={"comment": {"body": body}}
        )
        assert response.status_code == 201

    assert await digest_after_the_window(queue) == 1
    [message] = mail_server.inbox.wait_for(1)
    assert (message["To"], message["Subject"]) == (ann.email, "New comments on your Conduit articles")
    assert f'{bob.username} on "Notes on mail"' in text_of(message)
    assert "Lovely **notes**" in text_of(message)
    assert "A note of my own" not in text_of(message)
    assert f"{PUBLIC_URL}/article/{article['slug']}" in text_of(message)


async def test_a_made_up_unsubscribe_link_is_not_found(client: AsyncClient, member: RegisterUser) -> None:
    ann = await member()
    response = await client.post(f"/unsubscribe?token={ann.username}.follow.forged")

    assert response.status_code == 404


async def test_notifications_switched_off_in_the_settings_are_not_recorded(
    client: AsyncClient, member: RegisterUser, db: AsyncSession
) -> None:
    ann, bob = await member(), await member()
    await db.execute(update(User).values(notify_follows=False))
    await db.commit()
    await follow(client, bob, ann.username)

    assert (await count(db, Notification), await count(db, Job)) == (0, 0)
