"""Bad requests get a clear RealWorld error, never a 500 or a dropped connection."""

import sqlite3
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Article, User, favorites
from conduit.lib.settings import Settings
from tests.conftest import ON_POSTGRES, RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{bad", 400, "body cannot be read: JSON is malformed: object keys must be strings (byte 1)"),
        (b'{"user": {"email": "a@b.io",', 400, "body cannot be read: Input data was truncated"),
        (b"\xff\xfe", 400, "body cannot be read: JSON is malformed: invalid character (byte 0)"),
        (b"[]", 422, "body must be an object, not a list"),
        (b"null", 422, "body must be an object, not null"),
    ],
)
async def test_malformed_or_mistyped_json_is_a_4xx_naming_the_request(
    client: AsyncClient, db: AsyncSession, body: bytes, status: int, message: str
) -> None:
    response = await client.post("/api/users", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == status
    assert response.json() == {"errors": {"request": [message]}}
    assert await db.scalar(select(func.count()).select_from(User)) == 0


async def test_missing_body_is_422(client: AsyncClient) -> None:
    response = await client.post("/api/users")

    assert response.status_code == 422
    assert response.json() == {"errors": {"request": ["body is required"]}}


async def test_a_mistyped_field_is_422_naming_it(client: AsyncClient) -> None:
    response = await client.post("/api/users", json={"user": {"username": 5, "email": None, "password": "x"}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"username": ["must be text, not a whole number"]}}


async def test_oversized_body_is_413(client: AsyncClient, db: AsyncSession, settings: Settings) -> None:
    limit = settings.max_request_body_bytes
    password = "x" * (limit + 1)

    response = await client.post(
        "/api/users", json={"user": {"username": "big", "email": "big@example.org", "password": password}}
    )

    assert response.status_code == 413
    assert response.json() == {"errors": {"request": ["body is too large"]}}
    assert await db.scalar(select(func.count()).select_from(User)) == 0


async def test_unknown_route_is_404_in_realworld_shape(client: AsyncClient) -> None:
    response = await client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"errors": {"path": ["not found"]}}


async def test_wrong_method_is_405_in_realworld_shape(client: AsyncClient) -> None:
    response = await client.patch("/api/tags")

    assert response.status_code == 405
    assert response.json() == {"errors": {"method": ["not allowed"]}}


async def test_responses_are_utf8_json(client: AsyncClient) -> None:
    response = await client.get("/api/tags")

    assert response.headers["content-type"].startswith("application/json")


async def test_cors_preflight_allows_token_auth_from_other_origins(client: AsyncClient) -> None:
    response = await client.options(
        "/api/articles",
        headers={
            "Origin": "http://localhost:4200",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:4200")
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed


async def test_cors_headers_on_simple_requests(client: AsyncClient) -> None:
    response = await client.get("/api/tags", headers={"Origin": "http://localhost:4200"})

    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:4200")


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's single-writer lock is what this provokes")
async def test_a_database_locked_past_its_timeout_gives_503_and_writes_nothing(
    client: AsyncClient,
    register: RegisterUser,
    write_article: WriteArticle,
    db: AsyncSession,
    alchemy: SQLAlchemyAsyncConfig,
) -> None:
    reader = await register()
    slug = (await write_article(await register()))["slug"]
    path = make_url(str(alchemy.connection_string)).database
    assert path is not None
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = await client.post(f"/api/articles/{slug}/favorite", headers=reader.headers)
    finally:
        blocker.rollback()
        blocker.close()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {"errors": {"database": ["is busy; please retry"]}}
    assert await db.scalar(select(func.count()).select_from(favorites)) == 0


DEEP_JSON = '{"user":' + "[" * 1000 + "]" * 1000 + "}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (DEEP_JSON.encode(), "body is nested too deeply"),
        (
            b'{"user": {"username": "\xff\xfe", "email": "a@b.io", "password": "long enough"}}',
            "body is not valid UTF-8",
        ),
    ],
)
async def test_unreadable_json_is_400_without_signing_in(
    client: AsyncClient, db: AsyncSession, body: bytes, message: str
) -> None:
    response = await client.post("/api/users", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"errors": {"request": [message]}}
    assert await db.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("article", "field"),
    [
        ({"title": "t", "description": "d", "body": "b", "tagList": ["a\u0000b"]}, "tagList"),
        ({"title": "t\u0000", "description": "d", "body": "b"}, "title"),
        ({"title": "t", "description": "d", "body": "b\u0000"}, "body"),
    ],
)
async def test_nul_characters_in_a_body_are_422_naming_the_field(
    client: AsyncClient, register: RegisterUser, db: AsyncSession, article: dict[str, Any], field: str
) -> None:
    author = await register()

    response = await client.post("/api/articles", headers=author.headers, json={"article": article})

    assert response.status_code == 422
    assert response.json() == {"errors": {field: ["must not contain NUL characters"]}}
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize(
    ("path", "status", "errors"),
    [
        ("/api/articles/a%00b/comments", 404, {"path": ["not found"]}),
        ("/api/profiles/a%00b", 404, {"path": ["not found"]}),
        ("/api/articles/a%00b", 404, {"path": ["not found"]}),
        ("/article/a%00b", 404, None),
        ("/api/articles?tag=a%00b", 400, {"query": ["must not contain NUL characters"]}),
        ("/api/articles?author=%00", 400, {"query": ["must not contain NUL characters"]}),
    ],
)
async def test_nul_characters_in_a_url_never_reach_the_database(
    client: AsyncClient, path: str, status: int, errors: dict[str, list[str]] | None
) -> None:
    response = await client.get(path)

    assert response.status_code == status
    if errors is not None:
        assert response.json() == {"errors": errors}


@pytest.mark.parametrize("comment_id", [2**63, 2**64 + 1, 0, -1])
async def test_a_comment_id_that_cannot_exist_is_404(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, comment_id: int
) -> None:
    author = await register()
    slug = (await write_article(author))["slug"]

    response = await client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=author.headers)

    assert response.status_code == 404
    assert response.json() == {"errors": {"comment": ["not found"]}}
