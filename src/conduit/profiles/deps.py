"""The profile domain's providers."""

from typing import TypeAlias

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency

from conduit.db.models import User
from conduit.db.statements import all_rows
from conduit.lib.di import ServiceProvider
from conduit.profiles.services import ProfileService

Profiles: TypeAlias = NamedDependency[ProfileService]
"""A handler parameter ``profiles_service``: the ProfileService of the request."""


def profiles_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[ProfileService]:
    """``profiles_service``: a ``ProfileService`` on the request's session."""
    return create_service_provider(ProfileService, statement=all_rows(User), config=alchemy)
