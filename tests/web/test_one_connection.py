"""A process whose pool holds one connection still answers everything: no request holds its connection while
it waits for another (the browser-session store takes its own, after the request's statements)."""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import SessionRecord
from conduit.lib.settings import Settings
from conduit.web import browser_sessions
from tests.conftest import Account, WriteArticle, settings_for
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path) -> Settings:
    return settings_for(
        tmp_path, suite_database_url, database_pool_size=1, database_max_overflow=0, database_pool_timeout_seconds=2
    )


async def test_pages_that_renew_the_session_need_no_second_connection(
    browser: Browser, member: Account, write_article: WriteArticle, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = (await write_article(member))["slug"]
    await db.close()  # the test's own session gives its connection back too
    monkeypatch.setattr(browser_sessions, "RENEW_AFTER_SECONDS", 0)

    async def expiry() -> datetime | None:
        expires_at = await db.scalar(select(SessionRecord.expires_at))
        await db.close()
        return expires_at

    before = await expiry()
    pages = [await browser.get(path) for path in ("/", "/settings", f"/article/{slug}", f"/profile/{member.username}")]
    after = await expiry()

    assert [page.status_code for page in pages] == [200] * 4
    assert before is not None
    assert after is not None
    assert after > before
