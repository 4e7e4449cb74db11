"""The account domain's providers: the service, and the lookups that turn a token or a session into a ``User``."""

from typing import Any, TypeAlias
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.security.jwt import Token

from conduit.db.models import User
from conduit.db.statements import all_rows
from conduit.lib.auth import SESSION_VERSION, TOKEN_VERSION, RetrieveUserHandler
from conduit.lib.di import ServiceProvider
from conduit.users.services import UserService

Users: TypeAlias = NamedDependency[UserService]
"""A handler parameter ``users_service``: the UserService of the request."""


def users_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[UserService]:
    """``users_service``: a ``UserService`` on the request's session."""
    return create_service_provider(UserService, statement=all_rows(User), config=alchemy)


def token_retrieve_user_handler(alchemy: SQLAlchemyAsyncConfig) -> RetrieveUserHandler:
    """The active account a valid token names, read on the request's session.

    None when the account was deleted or disabled, or when the token was revoked: its version is not the
    account's current ``token_version``.
    """

    async def retrieve(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
        user = await _active_account(alchemy, connection, token.sub)
        return user if user is not None and token.extras.get(TOKEN_VERSION) == user.token_version else None

    return retrieve


def browser_session_retrieve_user_handler(alchemy: SQLAlchemyAsyncConfig) -> RetrieveUserHandler:
    """The active account a browser session names, read on the request's session.

    None when the account was deleted or disabled, or when the session was ended from elsewhere: its version
    is not the account's current ``session_version`` (see ``conduit.web.browser_sessions``).
    """

    async def retrieve(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
        user = await _active_account(alchemy, connection, str(session.get("user_id", "")))
        return user if user is not None and session.get(SESSION_VERSION) == user.session_version else None

    return retrieve


async def _active_account(
    alchemy: SQLAlchemyAsyncConfig, connection: ASGIConnection[Any, Any, Any, Any], user_id: str
) -> User | None:
    try:
        account_id = UUID(user_id)
    except ValueError:
        return None
    session = alchemy.provide_session(connection.app.state, connection.scope)
    return await UserService(session=session, statement=all_rows(User)).active_account(account_id)
