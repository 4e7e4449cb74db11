"""Ending the credentials an account was given: a new password, sign-out everywhere, revocation, disabling."""

from datetime import timedelta

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from litestar.security.jwt import Token

from conduit.lib.auth import TOKEN_VERSION
from conduit.lib.exceptions import NotFoundError
from conduit.users.services import UserService
from tests.conftest import TEST_SECRET, Account, RegisterUser

pytestmark = pytest.mark.anyio


async def status_with(client: AsyncClient, token: str) -> int:
    return (await client.get("/api/user", headers={"Authorization": f"Token {token}"})).status_code


async def act_on(alchemy: SQLAlchemyAsyncConfig, account: Account, action: str) -> None:
    """Run ``UserService.<action>`` on ``account``, as the command line does."""
    async with alchemy.get_session() as session, session.begin():
        service = UserService(session=session)
        user = await service.get_by_username(account.username)
        await getattr(service, action)(user)


async def test_the_old_token_answers_401_after_a_password_change_and_the_answer_carries_a_fresh_one(
    client: AsyncClient, register: RegisterUser
) -> None:
    account = await register()
    second_device = (
        await client.post("/api/users/login", json={"user": {"email": account.email, "password": account.password}})
    ).json()["user"]["token"]

    changed = await client.put("/api/user", headers=account.headers, json={"user": {"password": "a brand new secret"}})
    fresh = changed.json()["user"]["token"]

    assert changed.status_code == 200
    assert await status_with(client, account.token) == 401
    assert await status_with(client, second_device) == 401
    assert await status_with(client, fresh) == 200
    old = await client.get("/api/user", headers=account.headers)
    assert old.json() == {"errors": {"token": ["is invalid or expired"]}}


async def test_changing_other_fields_keeps_tokens_valid(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    await client.put("/api/user", headers=account.headers, json={"user": {"bio": "still me"}})

    assert await status_with(client, account.token) == 200


@pytest.mark.parametrize("action", ["revoke_tokens", "sign_out_everywhere"])
async def test_revoking_makes_every_earlier_token_answer_401(
    client: AsyncClient, register: RegisterUser, alchemy: SQLAlchemyAsyncConfig, action: str
) -> None:
    account, bystander = await register(), await register()

    await act_on(alchemy, account, action)
    login = await client.post("/api/users/login", json={"user": {"email": account.email, "password": account.password}})

    assert await status_with(client, account.token) == 401
    assert await status_with(client, login.json()["user"]["token"]) == 200
    assert await status_with(client, bystander.token) == 200


async def test_a_disabled_then_enabled_account_does_not_get_its_old_tokens_back(
    client: AsyncClient, register: RegisterUser, alchemy: SQLAlchemyAsyncConfig
) -> None:
    account = await register()

    async with alchemy.get_session() as session, session.begin():
        await UserService(session=session).set_active(account.username, active=False)
    disabled = await status_with(client, account.token)
    async with alchemy.get_session() as session, session.begin():
        await UserService(session=session).set_active(account.username, active=True)

    assert disabled == 401
    assert await status_with(client, account.token) == 401


async def test_a_token_without_the_current_version_is_refused(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()
    issued = Token.decode(account.token, TEST_SECRET, "HS256")

    def forged(**extras: object) -> str:
        return Token(sub=issued.sub, exp=issued.exp, extras=extras).encode(TEST_SECRET, "HS256")

    assert await status_with(client, forged(**{TOKEN_VERSION: 0})) == 200
    assert await status_with(client, forged()) == 401
    assert await status_with(client, forged(**{TOKEN_VERSION: 1})) == 401


async def test_tokens_last_a_day_by_default(register: RegisterUser) -> None:
    account = await register()

    token = Token.decode(account.token, TEST_SECRET, "HS256")

    assert token.exp - token.iat == timedelta(days=1)


async def test_a_private_feed_token_holds_until_replaced_or_the_secret_key_changes(
    register: RegisterUser, alchemy: SQLAlchemyAsyncConfig
) -> None:
    account = await register()
    async with alchemy.get_session() as session, session.begin():
        service = UserService(session=session)
        user = await service.get_by_username(account.username)
        first = await service.private_feed_token(user, "one key")
        again = await service.private_feed_token(user, "one key")
        rotated = await service.private_feed_token(user, "another key")
        owner = await service.feed_owner(rotated)
        with pytest.raises(NotFoundError):
            await service.feed_owner(first)
        await service.replace_feed_token(user)
        with pytest.raises(NotFoundError):
            await service.feed_owner(rotated)
        replaced = await service.private_feed_token(user, "another key")

    assert first == again
    assert rotated != first
    assert owner.id == user.id
    assert replaced not in (first, rotated)
