"""The article domain's providers."""

from typing import TypeAlias

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency

from conduit.articles.services import ArticleService
from conduit.db.models import Article
from conduit.db.statements import all_rows
from conduit.lib.di import ServiceProvider

Articles: TypeAlias = NamedDependency[ArticleService]
"""A handler parameter ``articles_service``: the ArticleService of the request."""


def articles_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[ArticleService]:
    """``articles_service``: an ``ArticleService`` on the request's session."""
    return create_service_provider(ArticleService, statement=all_rows(Article), config=alchemy)
