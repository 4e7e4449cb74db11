"""Every table Conduit owns, in one place so Alembic and ``create_all`` see all metadata."""

from advanced_alchemy.base import orm_registry

from conduit.db.models.article import Article, article_tags, favorites
from conduit.db.models.comment import Comment
from conduit.db.models.job import job_runs
from conduit.db.models.session import SessionRecord
from conduit.db.models.tag import Tag
from conduit.db.models.user import User, follows

__all__ = (
    "Article",
    "Comment",
    "SessionRecord",
    "Tag",
    "User",
    "article_tags",
    "favorites",
    "follows",
    "job_runs",
    "orm_registry",
)
