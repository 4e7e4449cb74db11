import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from httpx import AsyncClient
from litestar.security.jwt import Token
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.app import create_app
from conduit.db.models import User
from conduit.lib import auth
from conduit.lib.settings import Settings
from tests.conftest import RegisterUser, serve, settings_for

pytestmark = pytest.mark.anyio


def user_payload(**fields: Any) -> dict[str, Any]:
    return {"user": {"username": "jake", "email": "jake@example.org", "password": "jakejakejake", **fields}}


async def test_register_returns_the_account_with_a_token(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    response = await client.post("/api/users", json=user_payload())

    assert response.status_code == 201
    user = response.json()["user"]
    assert user == {"email": "jake@example.org", "token": user["token"], "username": "jake", "bio": None, "image": None}
    stored = await db.scalar(select(User).where(User.username == "jake"))
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert "jakejakejake" not in stored.password_hash
    claims = jwt.decode(user["token"], settings.secret_key, algorithms=["HS256"])
    assert claims["sub"] == str(stored.id)


async def test_register_stores_email_in_lower_case_and_login_ignores_its_case(client: AsyncClient) -> None:
    await client.post("/api/users", json=user_payload(email="Jake@Example.ORG"))

    response = await client.post(
        "/api/users/login", json={"user": {"email": "JAKE@example.org", "password": "jakejakejake"}}
    )

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "jake@example.org"


async def test_register_refuses_a_taken_username_and_email_with_409(client: AsyncClient, db: AsyncSession) -> None:
    await client.post("/api/users", json=user_payload())

    response = await client.post("/api/users", json=user_payload(email="JAKE@example.org"))

    assert response.status_code == 409
    assert response.json() == {"errors": {"username": ["has already been taken"], "email": ["has already been taken"]}}
    assert await db.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"username": ""}, {"username": ["can't be blank"]}),
        ({"email": ""}, {"email": ["can't be blank"]}),
        ({"password": ""}, {"password": ["can't be blank"]}),
        ({"email": "not-an-email"}, {"email": ["is invalid"]}),
        ({"password": "short"}, {"password": ["must have at least 8 characters"]}),
        ({"password": "        "}, {"password": ["must not be only spaces"]}),
        ({"username": "has space"}, {"username": ["is invalid"]}),
        ({"username": 7}, {"username": ["must be text, not a whole number"]}),
    ],
)
async def test_register_names_the_invalid_field(
    client: AsyncClient, db: AsyncSession, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = await client.post("/api/users", json=user_payload(**fields))

    assert response.status_code == 422
    assert response.json() == {"errors": errors}
    assert await db.scalar(select(func.count()).select_from(User)) == 0


async def test_register_names_a_missing_field(client: AsyncClient) -> None:
    response = await client.post("/api/users", json={"user": {"username": "jake", "password": "jakejakejake"}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"email": ["is required"]}}


async def test_login_returns_the_account(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.post(
        "/api/users/login", json={"user": {"email": account.email, "password": account.password}}
    )

    assert response.status_code == 200
    assert response.json()["user"]["username"] == account.username
    assert response.json()["user"]["token"]


@pytest.mark.parametrize("wrong", ["password", "email"])
async def test_login_with_wrong_credentials_is_401(client: AsyncClient, register: RegisterUser, wrong: str) -> None:
    account = await register()
    credentials = {"email": account.email, "password": account.password, wrong: "wrong-wrong-wrong@example.org"}

    response = await client.post("/api/users/login", json={"user": credentials})

    assert response.status_code == 401
    assert response.json() == {"errors": {"credentials": ["invalid"]}}


async def test_login_with_a_blank_field_is_422_naming_it(client: AsyncClient) -> None:
    response = await client.post("/api/users/login", json={"user": {"email": "", "password": "whatever-it-is"}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"email": ["can't be blank"]}}


async def test_signed_in_viewer_needs_a_token(client: AsyncClient) -> None:
    response = await client.get("/api/user")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Token"
    assert response.json() == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/user"),
        ("POST", "/api/articles"),
        ("PUT", "/api/articles/some-slug"),
        ("POST", "/api/articles/some-slug/comments"),
    ],
)
async def test_a_body_sent_without_a_token_is_refused_unread(client: AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"nothing": "valid"})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
async def test_signed_in_viewer_accepts_token_and_bearer_schemes(
    client: AsyncClient, register: RegisterUser, scheme: str
) -> None:
    account = await register()

    response = await client.get("/api/user", headers={"Authorization": f"{scheme} {account.token}"})

    assert response.status_code == 200
    assert response.json()["user"]["username"] == account.username


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "must be sent as 'Token <jwt>' (or 'Bearer <jwt>')"),
        ("Basic abc", "must be sent as 'Token <jwt>' (or 'Bearer <jwt>')"),
        ("Token not-a-jwt", "is invalid or expired"),
        ("Bearer not-a-jwt", "is invalid or expired"),
        ("Token " + jwt.encode({"sub": "x", "exp": 1}, "k" * 40, "HS256"), "is invalid or expired"),
    ],
)
async def test_invalid_tokens_are_401(client: AsyncClient, header: str, message: str) -> None:
    response = await client.get("/api/user", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json() == {"errors": {"token": [message]}}


async def test_expired_and_foreign_tokens_are_401(
    client: AsyncClient, register: RegisterUser, db: AsyncSession, settings: Settings
) -> None:
    account = await register()
    user_id = await db.scalar(select(User.id).where(User.username == account.username))
    expired = jwt.encode({"sub": str(user_id), "exp": 1}, settings.secret_key, "HS256")
    foreign = jwt.encode({"sub": str(user_id), "exp": 4_000_000_000}, "another-secret" * 4, "HS256")

    for token in (expired, foreign):
        response = await client.get("/api/user", headers={"Authorization": f"Token {token}"})
        assert response.status_code == 401


async def test_a_token_accepted_before_is_refused_once_it_expires(
    client: AsyncClient, register: RegisterUser, settings: Settings
) -> None:
    account = await register()
    issued = Token.decode(account.token, settings.secret_key, "HS256")
    expires = int(time.time()) + 2
    short = Token(sub=issued.sub, exp=datetime.fromtimestamp(expires, UTC), extras=issued.extras)
    headers = {"Authorization": f"Token {short.encode(settings.secret_key, 'HS256')}"}

    accepted = await client.get("/api/user", headers=headers)
    await asyncio.sleep(expires - time.time() + 0.1)
    refused = await client.get("/api/user", headers=headers)

    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert refused.json() == {"errors": {"token": ["is invalid or expired"]}}


async def test_a_token_is_verified_once_whichever_routes_it_reaches(
    client: AsyncClient, register: RegisterUser
) -> None:
    account = await register()
    before = auth._verified.cache_info().misses

    answers = [await client.get(path, headers=account.headers) for path in ("/api/user", "/api/articles", "/api/tags")]

    assert [answer.status_code for answer in answers] == [200] * 3
    assert auth._verified.cache_info().misses - before <= 1  # registration's token may already be verified


async def test_token_of_a_deleted_user_is_401(client: AsyncClient, register: RegisterUser, db: AsyncSession) -> None:
    account = await register()
    user = await db.scalar(select(User).where(User.username == account.username))
    await db.delete(user)
    await db.commit()

    response = await client.get("/api/user", headers=account.headers)

    assert response.status_code == 401


async def test_update_changes_only_the_fields_sent(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {"bio": "I work at statefarm"}})

    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["bio"], user["username"], user["email"], user["image"]) == (
        "I work at statefarm",
        account.username,
        account.email,
        None,
    )


@pytest.mark.parametrize("cleared", [None, ""])
async def test_update_null_or_empty_clears_bio_and_image(
    client: AsyncClient, register: RegisterUser, db: AsyncSession, cleared: str | None
) -> None:
    account = await register()
    await client.put("/api/user", headers=account.headers, json={"user": {"bio": "x", "image": "https://i.io/a.png"}})

    response = await client.put("/api/user", headers=account.headers, json={"user": {"bio": cleared, "image": cleared}})

    assert (response.json()["user"]["bio"], response.json()["user"]["image"]) == (None, None)
    stored = (await db.execute(select(User.bio, User.image).where(User.username == account.username))).one()
    assert tuple(stored) == (None, None)


async def test_update_password_then_login_with_it(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    await client.put("/api/user", headers=account.headers, json={"user": {"password": "a-new-password"}})

    old = await client.post("/api/users/login", json={"user": {"email": account.email, "password": account.password}})
    new = await client.post("/api/users/login", json={"user": {"email": account.email, "password": "a-new-password"}})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_update_to_a_taken_username_is_409_and_changes_nothing(
    client: AsyncClient, register: RegisterUser
) -> None:
    jake, jane = await register(), await register()

    response = await client.put(
        "/api/user", headers=jake.headers, json={"user": {"username": jane.username, "bio": "changed"}}
    )

    assert response.status_code == 409
    assert response.json() == {"errors": {"username": ["has already been taken"]}}
    current = await client.get("/api/user", headers=jake.headers)
    assert current.json()["user"]["bio"] is None


async def test_update_keeping_ones_own_email_is_allowed(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {"email": account.email}})

    assert response.status_code == 200


async def test_update_with_no_fields_is_422(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"user": ["must contain at least one field to change"]}}


@pytest.mark.parametrize("field", ["email", "username"])
@pytest.mark.parametrize("value", ["", None])
async def test_update_to_a_blank_email_or_username_is_422(
    client: AsyncClient, register: RegisterUser, field: str, value: str | None
) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {field: value}})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


async def test_with_the_strength_check_off_only_the_minimum_length_is_kept(
    suite_database_url: str, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, password_strength_check=False))
    async with serve(app) as client:
        common = await client.post(
            "/api/users", json=user_payload(username="common", email="common@example.org", password="password123")
        )
        short = await client.post(
            "/api/users", json=user_payload(username="short", email="short@example.org", password="pass")
        )

    assert common.status_code == 201
    assert (short.status_code, short.json()) == (422, {"errors": {"password": ["must have at least 8 characters"]}})
