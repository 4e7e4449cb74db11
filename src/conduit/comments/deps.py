"""The comment domain's providers."""

from typing import TypeAlias

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency

from conduit.comments.services import CommentService
from conduit.db.models import Comment
from conduit.db.statements import all_rows
from conduit.lib.di import ServiceProvider

Comments: TypeAlias = NamedDependency[CommentService]
"""A handler parameter ``comments_service``: the CommentService of the request."""


def comments_service_provider(alchemy: SQLAlchemyAsyncConfig) -> ServiceProvider[CommentService]:
    """``comments_service``: a ``CommentService`` on the request's session."""
    return create_service_provider(CommentService, statement=all_rows(Comment), config=alchemy)
