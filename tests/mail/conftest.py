"""Mail tests: the app with ``SMTP_URL`` pointing at a real SMTP server in this process, and its job queue, worked
by the tests themselves (as a worker would, one ``run_due`` at a time) so that each step can be looked at."""

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from conduit.lib.queue import JobQueue
from conduit.lib.settings import Settings
from conduit.workers import job_queue
from tests.conftest import Account, RegisterUser, settings_for
from tests.support.smtp import MailServer

PUBLIC_URL = "http://conduit.test"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/(?P<path>[\w-]+)\?token=(?P<token>[\w.%-]+)")
JOB_LEASE_SECONDS = 2
"""Short, so that a killed worker's job is taken over within the test."""


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path, mail_server: MailServer) -> Settings:
    return settings_for(
        tmp_path,
        suite_database_url,
        smtp_url=mail_server.url,
        public_url=PUBLIC_URL,
        mail_from="Conduit <mail@conduit.test>",
        notification_digest_seconds=1,
        job_retry_max_seconds=1,
        job_lease_seconds=JOB_LEASE_SECONDS,
    )


@pytest.fixture
def queue(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> JobQueue:
    """The app's job queue, as ``conduit workers`` builds it."""
    return job_queue(settings, alchemy)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def mailed_token(message: EmailMessage, path: str) -> str:
    """The token of the link to ``path`` in the message's text (the HTML part carries the same link)."""
    links = [match for match in LINK.finditer(text_of(message)) if match["path"] == path]
    assert len(links) == 1, text_of(message)
    assert f'href="{PUBLIC_URL}/{path}?token={links[0]["token"]}"' in html_of(message)
    return links[0]["token"]


@pytest.fixture
def member(register: RegisterUser, queue: JobQueue, mail_server: MailServer) -> RegisterUser:
    """Register a user, and deliver (and set aside) the confirmation mail every sign-up gets."""

    async def register_member(**fields: object) -> Account:
        account = await register(**fields)
        await queue.run_due()
        mail_server.inbox.messages.clear()
        return account

    return register_member
