"""The profile domain's providers."""

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider

from conduit.lib.di import ServiceProvider
from conduit.profiles.services import ProfileService


def profiles_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[ProfileService]:
    """``profiles_service``: a ``ProfileService`` on the request's session."""
    return create_service_provider(ProfileService, config=alchemy)
