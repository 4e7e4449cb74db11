"""Every table Conduit owns, in one place so Alembic and ``create_all`` see all metadata."""

from advanced_alchemy.base import orm_registry

from conduit.db.models.account_token import AccountToken
from conduit.db.models.article import SLUG_MAX_LENGTH, Article, article_tags, favorites
from conduit.db.models.comment import Comment
from conduit.db.models.counter import ARTICLES_TOTAL, counters
from conduit.db.models.job import Job, job_runs
from conduit.db.models.notification import NOTIFICATION_KINDS, Notification, NotificationKind
from conduit.db.models.session import SessionRecord
from conduit.db.models.tag import Tag
from conduit.db.models.user import User, canonical_username, follows

__all__ = (
    "ARTICLES_TOTAL",
    "NOTIFICATION_KINDS",
    "SLUG_MAX_LENGTH",
    "AccountToken",
    "Article",
    "Comment",
    "Job",
    "Notification",
    "NotificationKind",
    "SessionRecord",
    "Tag",
    "User",
    "article_tags",
    "canonical_username",
    "counters",
    "favorites",
    "follows",
    "job_runs",
    "orm_registry",
)
