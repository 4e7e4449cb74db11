"""The job queue under faults: a job exists only with its change, survives a mail server outage and a killed
worker, is never run by two workers at once, and goes out once."""

import asyncio
import os
import signal
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Job
from conduit.lib import queue as queue_module
from conduit.lib.mail import Mailer
from conduit.lib.queue import JobQueue, enqueue
from conduit.lib.settings import Settings
from conduit.workers import MAIL_TEMPLATES_DIR
from tests.conftest import RegisterUser
from tests.mail.conftest import JOB_LEASE_SECONDS, text_of
from tests.support.server import CONDUIT
from tests.support.smtp import MailServer

pytestmark = pytest.mark.anyio

OUTAGE_SECONDS = float(os.environ.get("MAIL_OUTAGE_SECONDS", "3"))
"""How long the mail server is down in the outage test (``MAIL_OUTAGE_SECONDS=30`` for the long version)."""


async def jobs(db: AsyncSession) -> list[Job]:
    db.expire_all()
    return list((await db.scalars(select(Job).order_by(Job.id))).all())


async def ask_reset(client: AsyncClient, email: str) -> None:
    response = await client.post("/api/users/password-reset", json={"user": {"email": email}})
    assert response.status_code == 202


async def test_a_job_is_queued_with_its_change_or_not_at_all(alchemy: SQLAlchemyAsyncConfig, db: AsyncSession) -> None:
    async with alchemy.get_session() as session:
        async with session.begin():
            await enqueue(session, "password-reset", {"email": "rolled@example.org"})
            await session.rollback()
        async with session.begin():
            await enqueue(session, "password-reset", {"email": "kept@example.org"})

    assert [job.payload for job in await jobs(db)] == [{"email": "kept@example.org"}]


async def test_a_refused_sign_up_queues_no_confirmation(
    client: AsyncClient, register: RegisterUser, db: AsyncSession
) -> None:
    ann = await register()
    taken = await client.post(
        "/api/users", json={"user": {"username": ann.username, "email": "other@example.org", "password": "x" * 12}}
    )

    assert taken.status_code == 409
    assert [job.payload["email"] for job in await jobs(db)] == [ann.email]


async def test_mail_queued_while_the_server_is_down_arrives_once_it_is_back_exactly_once(
    client: AsyncClient, member: RegisterUser, queue: JobQueue, mail_server: MailServer, db: AsyncSession
) -> None:
    accounts = [await member() for _ in range(3)]
    mail_server.stop()
    stop = asyncio.Event()
    worker = asyncio.create_task(queue.work(stop))
    for account in accounts:
        await ask_reset(client, account.email)

    await asyncio.sleep(OUTAGE_SECONDS)
    waiting = await jobs(db)
    assert len(waiting) == 3
    assert all(job.attempts >= 1 and "refused" in (job.last_error or "").lower() for job in waiting)
    assert mail_server.inbox.messages == []
    mail_server.start()
    delivered = await asyncio.to_thread(mail_server.inbox.wait_for, 3, 15)
    await asyncio.sleep(1.5)  # a duplicate would come within a retry's wait
    stop.set()
    await worker

    assert sorted(message["To"] for message in delivered) == sorted(account.email for account in accounts)
    assert len(mail_server.inbox.messages) == 3
    assert await jobs(db) == []


async def test_a_worker_killed_mid_job_has_its_job_run_again_and_the_mail_goes_out_once(
    client: AsyncClient,
    member: RegisterUser,
    queue: JobQueue,
    mail_server: MailServer,
    settings: Settings,
    db: AsyncSession,
) -> None:
    ann = await member()
    release = threading.Event()
    mail_server.inbox.hold = release
    await ask_reset(client, ann.email)
    environment = {
        **os.environ,
        "CONDUIT_ENV": "test",
        "CONDUIT_VAR_DIR": settings.var_dir,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "SMTP_URL": settings.smtp_url,
        "PUBLIC_URL": settings.public_url,
        "JOB_LEASE_SECONDS": str(JOB_LEASE_SECONDS),
    }
    log = Path(settings.var_dir) / "worker.log"
    with log.open("wb") as output:
        worker = await asyncio.create_subprocess_exec(
            *CONDUIT, "workers", "--concurrency", "1", env=environment, stdout=output, stderr=output
        )
    try:
        reached = await asyncio.to_thread(mail_server.inbox.held.wait, 20)
        assert reached, f"the worker never reached the mail server: {log.read_text()}"
        [taken] = await jobs(db)
        assert taken.attempts == 1
        assert taken.locked_until is not None
        worker.send_signal(signal.SIGKILL)  # mid-job: the message is not handed over yet
        await worker.wait()
    finally:
        if worker.returncode is None:
            worker.kill()
        release.set()
    assert await queue.run_due() == 0  # its lease has not run out yet
    await asyncio.sleep(JOB_LEASE_SECONDS)

    assert await queue.run_due() == 1
    [message] = mail_server.inbox.wait_for(1)
    assert message["To"] == ann.email
    assert await jobs(db) == []
    assert await queue.run_due() == 0
    assert len(mail_server.inbox.messages) == 1


async def test_workers_side_by_side_never_run_the_same_job(
    client: AsyncClient, queue: JobQueue, mail_server: MailServer, alchemy: SQLAlchemyAsyncConfig
) -> None:
    addresses = [f"reader{number}@example.org" for number in range(12)]
    async with alchemy.get_session() as session, session.begin():
        for address in addresses:
            await enqueue(session, "email-confirmation", {"user_id": "0" * 32, "email": address})
    ran: list[int] = []

    async def worker() -> None:
        while await queue.run_one():
            ran.append(1)

    await asyncio.gather(*(worker() for _ in range(4)))

    assert len(ran) == len(addresses)  # each job claimed once (these name no account: nothing to mail)


async def test_a_job_that_keeps_failing_is_given_up_and_kept(
    client: AsyncClient,
    member: RegisterUser,
    queue: JobQueue,
    mail_server: MailServer,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ann = await member()
    await ask_reset(client, ann.email)
    mail_server.stop()
    monkeypatch.setattr(queue_module, "MAX_ATTEMPTS", 2)
    await queue.run_due()
    await db.execute(update(Job).values(run_after=Job.created_at))
    await db.commit()
    await queue.run_due()

    [job] = await jobs(db)
    assert (job.attempts, job.failed_at is not None) == (2, True)
    mail_server.start()
    assert await queue.run_due() == 0  # an operator looks at it; no worker tries again
    assert mail_server.inbox.messages == []


async def test_without_a_mail_server_development_writes_each_mail_to_a_file(tmp_path: Path, settings: Settings) -> None:
    mailer = Mailer(Settings(var_dir=str(tmp_path), public_url="http://x").completed(), MAIL_TEMPLATES_DIR)
    message = mailer.compose(
        "password_reset", to="ann@example.org", subject="Reset", username="ann", link="http://x/r?token=t", minutes=60
    )

    await mailer.send(message)

    [written] = (tmp_path / "mail").glob("*.eml")
    read = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert isinstance(read, EmailMessage)
    assert read["To"] == "ann@example.org"
    assert "http://x/r?token=t" in text_of(read)
