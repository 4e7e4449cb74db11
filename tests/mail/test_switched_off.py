"""``ACCOUNT_MAIL=false``: no account mail pages or endpoints, and nothing queued for mail."""

from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Job, Notification
from conduit.lib.settings import Settings
from tests.conftest import RegisterUser, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path) -> Settings:
    return settings_for(tmp_path, suite_database_url, account_mail=False)


async def test_without_account_mail_there_is_no_reset_and_nothing_is_queued(
    client: AsyncClient, register: RegisterUser, db: AsyncSession
) -> None:
    ann, bob = await register(), await register()
    follow = await client.post(f"/api/profiles/{ann.username}/follow", headers=bob.headers)
    ask = await client.post("/api/users/password-reset", json={"user": {"email": ann.email}})

    assert follow.status_code == 200
    assert ask.status_code == 404
    assert (await client.get("/forgot-password")).status_code == 404
    assert "Forgot password?" not in (await client.get("/login")).text
    assert await db.scalar(select(func.count()).select_from(Job)) == 0
    assert await db.scalar(select(func.count()).select_from(Notification)) == 0
