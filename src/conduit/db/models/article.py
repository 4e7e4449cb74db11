"""Articles, their tags and their favorites."""

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conduit.db.models.links import link_table
from conduit.db.models.user import DERIVED

SLUG_MAX_LENGTH = 80
"""Slugs are cut at a word boundary to at most this many characters (a random suffix may follow)."""

article_tags = link_table("article_tags", ("article_id", "articles.id"), ("tag_id", "tags.id"))
"""Which article is filed under which tag."""

favorites = link_table("favorites", ("user_id", "users.id"), ("article_id", "articles.id"))
"""Which user favorited which article."""


class Article(UUIDv7AuditBase):
    """A post, written by one author, filed under any number of tags."""

    __tablename__ = "articles"
    __table_args__ = (
        # Newest first; the author rides along so that a walk of it (the dense feed) reads the table only for
        # pages changed since the last vacuum.
        Index("ix_articles_created_at_id_author_id", "created_at", "id", "author_id"),
        Index("ix_articles_author_id_created_at_id", "author_id", "created_at", "id"),
    )

    slug: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    favorites_count: Mapped[int] = mapped_column(default=0, server_default="0", info=DERIVED)
    """How many users favorited the article."""
