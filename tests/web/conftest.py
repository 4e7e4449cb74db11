"""A browser's view of the web app: cookies kept, forms posted with their CSRF token."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import SessionRecord
from tests.conftest import Account, RegisterUser

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """Drives the pages like a person with JavaScript off (or on, with ``htmx=True``)."""

    client: AsyncClient

    async def get(self, path: str, **options: Any) -> Response:
        return await self.client.get(path, **options)

    async def submit(self, form_page: str, action: str, fields: dict[str, str], *, htmx: bool = False) -> Response:
        """Open ``form_page``, then post ``fields`` to ``action`` with the page's CSRF token."""
        page = await self.client.get(form_page)
        match = CSRF_INPUT.search(page.text)
        assert match, f"no CSRF token on {form_page}"
        headers = {"HX-Request": "true"} if htmx else {}
        return await self.client.post(action, data={**fields, "_csrf_token": match.group(1)}, headers=headers)

    async def sign_in(self, account: Account) -> Response:
        response = await self.submit("/login", "/login", {"email": account.email, "password": account.password})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def browser(client: AsyncClient) -> Browser:
    return Browser(client)


@pytest.fixture
async def member(browser: Browser, register: RegisterUser) -> Account:
    """A registered user, signed in in ``browser``."""
    account = await register()
    await browser.sign_in(account)
    return account


async def session_rows(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(SessionRecord)) or 0)
