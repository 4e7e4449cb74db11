import re

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Comment
from tests.conftest import RegisterUser, WriteArticle, refusal

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d+(?:[+-][0-2]\d:[0-5]\d|Z)$")


async def test_add_and_list_comments(client: AsyncClient, register: RegisterUser, write_article: WriteArticle) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author))["slug"]
    await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)

    first = await client.post(
        f"/api/articles/{slug}/comments", headers=reader.headers, json={"comment": {"body": "One"}}
    )
    second = await client.post(
        f"/api/articles/{slug}/comments", headers=author.headers, json={"comment": {"body": "Two"}}
    )
    as_reader = await client.get(f"/api/articles/{slug}/comments", headers=reader.headers)
    anonymous = await client.get(f"/api/articles/{slug}/comments")

    assert (first.status_code, second.status_code) == (201, 201)
    comment = first.json()["comment"]
    assert isinstance(comment["id"], int)
    assert comment["body"] == "One"
    assert TIMESTAMP.match(comment["createdAt"])
    assert TIMESTAMP.match(comment["updatedAt"])
    assert comment["author"] == {"username": reader.username, "bio": None, "image": None, "following": False}
    listed = as_reader.json()["comments"]
    assert [c["id"] for c in listed] == [comment["id"], second.json()["comment"]["id"]]
    assert [c["author"]["following"] for c in listed] == [False, True]
    assert [c["author"]["following"] for c in anonymous.json()["comments"]] == [False, False]


async def test_comments_on_unknown_article_are_404(
    client: AsyncClient, register: RegisterUser, db: AsyncSession
) -> None:
    reader = await register()

    listed = await client.get("/api/articles/missing/comments")
    added = await client.post("/api/articles/missing/comments", headers=reader.headers, json={"comment": {"body": "x"}})

    assert (listed.status_code, added.status_code) == (404, 404)
    assert listed.json() == added.json() == refusal("article not found")
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize(("body", "message"), [("", "body can't be blank"), ("  \n ", "body can't be blank")])
async def test_blank_comment_is_422(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, body: str, message: str
) -> None:
    author = await register()
    slug = (await write_article(author))["slug"]

    response = await client.post(
        f"/api/articles/{slug}/comments", headers=author.headers, json={"comment": {"body": body}}
    )

    assert response.status_code == 422
    assert response.json() == refusal(message)


async def test_adding_a_comment_needs_a_token(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    slug = (await write_article(await register()))["slug"]

    response = await client.post(f"/api/articles/{slug}/comments", json={"comment": {"body": "x"}})

    assert response.status_code == 401


async def test_delete_comment(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author))["slug"]
    posted = await client.post(
        f"/api/articles/{slug}/comments", headers=reader.headers, json={"comment": {"body": "x"}}
    )
    comment_id = posted.json()["comment"]["id"]

    by_other = await client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=author.headers)
    anonymous = await client.delete(f"/api/articles/{slug}/comments/{comment_id}")
    by_author = await client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=reader.headers)
    again = await client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=reader.headers)

    assert by_other.status_code == 403
    assert by_other.json() == refusal("comment forbidden")
    assert (anonymous.status_code, anonymous.json()) == (401, refusal("token is missing"))
    assert (by_author.status_code, by_author.content) == (204, b"")
    assert (again.status_code, again.json()) == (404, refusal("comment not found"))
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


async def test_a_comment_is_deleted_only_through_its_own_article(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    first, second = (await write_article(author))["slug"], (await write_article(author))["slug"]
    posted = await client.post(
        f"/api/articles/{first}/comments", headers=author.headers, json={"comment": {"body": "x"}}
    )
    comment_id = posted.json()["comment"]["id"]

    wrong_article = await client.delete(f"/api/articles/{second}/comments/{comment_id}", headers=author.headers)
    no_article = await client.delete(f"/api/articles/missing/comments/{comment_id}", headers=author.headers)
    not_an_id = await client.delete(f"/api/articles/{first}/comments/abc", headers=author.headers)

    assert (wrong_article.status_code, wrong_article.json()) == (404, refusal("comment not found"))
    assert (no_article.status_code, no_article.json()) == (404, refusal("article not found"))
    assert not_an_id.status_code == 404
    assert len((await client.get(f"/api/articles/{first}/comments")).json()["comments"]) == 1
