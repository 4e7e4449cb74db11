"""The account rules, exercised on the service directly."""

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.lib.exceptions import AuthenticationError, ConflictError, InvalidInputError
from conduit.users.rules import AccountRules
from conduit.users.services import UserService

pytestmark = pytest.mark.anyio


async def test_register_then_authenticate(db: AsyncSession) -> None:
    service = UserService(session=db)

    registered = await service.register(username="ann", email="Ann@Example.org", password="long enough")
    authenticated = await service.authenticate(email="ann@example.ORG", password="long enough")

    assert authenticated.id == registered.id
    assert registered.email == "ann@example.org"


@pytest.mark.parametrize(("email", "password"), [("ann@example.org", "wrong password"), ("bob@example.org", "x")])
async def test_authenticate_refuses_wrong_credentials(db: AsyncSession, email: str, password: str) -> None:
    service = UserService(session=db)
    await service.register(username="ann", email="ann@example.org", password="long enough")

    with pytest.raises(AuthenticationError):
        await service.authenticate(email=email, password=password)


async def test_update_account_refuses_a_taken_email_and_keeps_the_old_one(db: AsyncSession) -> None:
    service = UserService(session=db)
    ann = await service.register(username="ann", email="ann@example.org", password="long enough")
    await service.register(username="bob", email="bob@example.org", password="long enough")

    with pytest.raises(ConflictError, match="email has already been taken"):
        await service.update_account(ann, {"email": "BOB@example.org"})

    assert ann.email == "ann@example.org"


async def test_common_passwords_are_refused_unless_the_check_is_off(db: AsyncSession) -> None:
    service = UserService(session=db)

    with pytest.raises(InvalidInputError) as refused:
        await service.register(username="ann", email="ann@example.org", password="password123")
    ann = await service.register(
        username="ann",
        email="ann@example.org",
        password="password123",
        rules=AccountRules(refuse_common_passwords=False),
    )
    with pytest.raises(InvalidInputError) as too_short:
        await service.update_account(ann, {"password": "short"}, rules=AccountRules(refuse_common_passwords=False))
    with pytest.raises(InvalidInputError) as common:
        await service.update_account(ann, {"password": "iloveyou"})

    assert refused.value.errors == {"password": ["is too common; choose one that is harder to guess"]}
    assert too_short.value.errors == {"password": ["must have at least 8 characters"]}
    assert common.value.errors == refused.value.errors
    assert (await service.authenticate(email="ann@example.org", password="password123")).id == ann.id


async def test_update_account_hashes_a_new_password(db: AsyncSession) -> None:
    service = UserService(session=db)
    ann = await service.register(username="ann", email="ann@example.org", password="long enough")

    await service.update_account(ann, {"password": "another secret"})

    assert "another secret" not in ann.password_hash
    assert (await service.authenticate(email="ann@example.org", password="another secret")).id == ann.id


async def test_the_signed_in_account_is_loaded_into_the_session_unchanged(
    db: AsyncSession, alchemy: SQLAlchemyAsyncConfig
) -> None:
    ann = await UserService(session=db).register(username="ann", email="ann@example.org", password="long enough")
    await db.commit()

    async with alchemy.get_session() as session:
        account = await UserService(session=session).active_account(ann.id)
        assert account is not None
        state = inspect(account)
        loaded = [state.persistent, state.modified, account in session]
        values = [account.username, account.email, account.token_version, account.bio]
        account.bio = "changed"
        changes = state.attrs.bio.history.added
        await session.commit()
    await db.refresh(ann)

    assert loaded == [True, False, True]
    assert values == ["ann", "ann@example.org", 0, None]
    assert changes == ["changed"]
    assert ann.bio == "changed"
