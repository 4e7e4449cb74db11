import pytest
from httpx import AsyncClient

from tests.conftest import RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio


async def test_no_tags_at_first(client: AsyncClient) -> None:
    response = await client.get("/api/tags")

    assert response.status_code == 200
    assert response.json() == {"tags": []}


async def test_tags_most_used_first_then_by_name(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_article(author, tag_list=["python", "litestar"])
    await write_article(author, tag_list=["python", "zen"])
    await write_article(author, tag_list=["python", "zen", "alchemy"])

    response = await client.get("/api/tags")

    assert response.json() == {"tags": ["python", "zen", "alchemy", "litestar"]}


async def test_tags_no_longer_used_disappear(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    article = await write_article(author, tag_list=["old"])

    await client.put(f"/api/articles/{article['slug']}", headers=author.headers, json={"article": {"tagList": ["new"]}})

    assert (await client.get("/api/tags")).json() == {"tags": ["new"]}


async def test_at_most_twenty_tags_are_listed(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_article(author, tag_list=[f"tag{n:02d}" for n in range(20)])
    await write_article(author, tag_list=["tag20", "tag21"])

    tags = (await client.get("/api/tags")).json()["tags"]

    assert len(tags) == 20
