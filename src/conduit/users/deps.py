"""The account domain's providers: the service, and the lookups that turn a token or a session into a ``User``."""

from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.connection import ASGIConnection
from litestar.security.jwt import Token

from conduit.db.models import User
from conduit.lib.auth import RetrieveUser
from conduit.lib.di import ServiceProvider
from conduit.users.services import UserService


def users_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[UserService]:
    """``users_service``: a ``UserService`` on the request's session."""
    return create_service_provider(UserService, config=alchemy)


def token_holder(alchemy: SQLAlchemyAsyncConfig) -> RetrieveUser:
    """The active account a valid token names (None when it was deleted or disabled), read on the request's session."""

    async def retrieve(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
        return await _active_account(alchemy, connection, token.sub)

    return retrieve


def session_holder(alchemy: SQLAlchemyAsyncConfig) -> RetrieveUser:
    """The active account a browser session names, read on the request's session."""

    async def retrieve(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
        return await _active_account(alchemy, connection, str(session.get("user_id", "")))

    return retrieve


async def _active_account(
    alchemy: SQLAlchemyAsyncConfig, connection: ASGIConnection[Any, Any, Any, Any], user_id: str
) -> User | None:
    try:
        account_id = UUID(user_id)
    except ValueError:
        return None
    session = alchemy.provide_session(connection.app.state, connection.scope)
    return await UserService(session=session).active_account(account_id)
