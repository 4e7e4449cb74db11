"""The account mail domain's providers."""

from typing import TypeAlias

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency

from conduit.accounts.services import AccountTokenService
from conduit.lib.di import ServiceProvider

AccountTokens: TypeAlias = NamedDependency[AccountTokenService]
"""A handler parameter ``account_tokens_service``: the AccountTokenService of the request."""


def account_tokens_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[AccountTokenService]:
    """``account_tokens_service``: an ``AccountTokenService`` on the request's session."""
    return create_service_provider(AccountTokenService, config=alchemy)
