"""Comments on articles."""

from uuid import UUID

from advanced_alchemy.base import IdentityAuditBase
from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column


class Comment(IdentityAuditBase):
    """A reader's comment on an article; its integer id is part of the public API."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_id_created_at_id", "article_id", "created_at", "id"),)

    body: Mapped[str] = mapped_column(Text)
    article_id: Mapped[UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
