"""Comments on articles."""

from uuid import UUID

from advanced_alchemy.base import IdentityAuditBase
from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conduit.db.models.user import User


class Comment(IdentityAuditBase):
    """A reader's comment on an article; its integer id is part of the public API."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_id_created_at", "article_id", "created_at"),)

    body: Mapped[str] = mapped_column(Text)
    article_id: Mapped[UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
