"""Articles, their tags and their favorites."""

from typing import TYPE_CHECKING
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, false, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, query_expression, relationship

from conduit.db.models.tag import Tag
from conduit.db.models.user import User

article_tags = Table(
    "article_tags",
    orm_registry.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id", "tag_id"),
)

favorites = Table(
    "favorites",
    orm_registry.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_favorites_article_id", "article_id"),
)
"""Which user favorited which article: one row per pair."""


class Article(UUIDv7AuditBase):
    """A post, written by one author, filed under any number of tags."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_created_at", "created_at"),
        Index("ix_articles_author_id_created_at", "author_id", "created_at"),
    )

    slug: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, lazy="selectin", order_by=Tag.name)

    favorited: Mapped[bool] = query_expression(default_expr=false())
    """Whether the viewer of a query favorited this article; filled in per query."""

    if TYPE_CHECKING:
        favorites_count: Mapped[int]


Article.favorites_count = column_property(
    select(func.count())
    .select_from(favorites)
    .where(favorites.c.article_id == Article.id)
    .correlate_except(favorites)
    .scalar_subquery(),
)
"""How many users favorited the article, always loaded with it."""
