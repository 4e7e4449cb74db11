"""The tag domain's providers."""

from typing import TypeAlias

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency

from conduit.db.models import Tag
from conduit.db.statements import all_rows
from conduit.lib.di import ServiceProvider
from conduit.tags.services import TagService

Tags: TypeAlias = NamedDependency[TagService]
"""A handler parameter ``tags_service``: the TagService of the request."""


def tags_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[TagService]:
    """``tags_service``: a ``TagService`` on the request's session."""
    return create_service_provider(TagService, statement=all_rows(Tag), config=alchemy)
