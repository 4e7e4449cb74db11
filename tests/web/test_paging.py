"""Paging through a long list: at most nine links, every article shown once, pages found by cursor."""

import html
import re

import pytest
from httpx import AsyncClient

from tests.conftest import RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio

LINK = re.compile(r'<a href="([^"]*)"(?: aria-current="page")?[^>]*>([^<]*)</a>')


def pagination(text: str) -> dict[str, str]:
    """The page links of a page, label to address."""
    _, _, nav = text.partition('class="pagination"')
    nav, _, _ = nav.partition("</nav>")
    return {label: html.unescape(url) for url, label in LINK.findall(nav)}


def titles(text: str) -> list[str]:
    return re.findall(r"<h2>(Entry \d+)</h2>", text)


async def test_walking_the_pages_shows_every_article_once(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    for number in range(95):
        await write_article(author, title=f"Entry {number:03d}")

    first = await client.get("/")
    links = pagination(first.text)
    assert list(links) == ["1", "2", "3", "\u203a", "\u00bb"]
    assert titles(first.text) == [f"Entry {n:03d}" for n in range(94, 84, -1)]

    last = await client.get(links["\u00bb"])
    assert "oldest=5" in links["\u00bb"]
    assert titles(last.text) == [f"Entry {n:03d}" for n in range(4, -1, -1)]
    back = pagination(last.text)
    assert list(back) == ["\u00ab", "\u2039", "8", "9", "10"]

    seen: list[str] = []
    page = first
    for number in range(1, 11):
        assert re.search(rf'aria-current="page">{number}<', page.text), number
        seen += titles(page.text)
        if number < 10:
            page = await client.get(pagination(page.text)["\u203a"])
    assert seen == [f"Entry {n:03d}" for n in range(94, -1, -1)]

    middle = await client.get(pagination((await client.get(links["3"])).text)["5"])
    assert titles(middle.text) == [f"Entry {n:03d}" for n in range(54, 44, -1)]
    links_from_middle = pagination(middle.text)
    assert len(links_from_middle) <= 9
    assert titles((await client.get(links_from_middle["3"])).text) == [f"Entry {n:03d}" for n in range(74, 64, -1)]


async def test_a_page_typed_by_hand_still_works(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    for number in range(25):
        await write_article(author, title=f"Entry {number:03d}")

    response = await client.get("/?page=3")

    assert titles(response.text) == [f"Entry {n:03d}" for n in range(4, -1, -1)]
    assert re.search(r'aria-current="page">3<', response.text)


async def test_a_broken_cursor_falls_back_to_the_page_number(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    for number in range(15):
        await write_article(author, title=f"Entry {number:03d}")

    response = await client.get("/?page=2&older_than=not-a-cursor")

    assert response.status_code == 200
    assert titles(response.text) == [f"Entry {n:03d}" for n in range(4, -1, -1)]
