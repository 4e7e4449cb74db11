"""What happened that an account's owner is told about by mail: new followers, comments on their articles."""

from typing import Any, Literal
from uuid import UUID

from advanced_alchemy.base import IdentityAuditBase
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

NotificationKind = Literal["follow", "comment"]
NOTIFICATION_KINDS: tuple[NotificationKind, ...] = ("follow", "comment")


class Notification(IdentityAuditBase):
    """One event waiting for its digest mail; deleted once mailed."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_kind_id", "user_id", "kind", "id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    """Whom it is for."""
    kind: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What the mail says: the follower's name; the commenter's name, the article's title and slug, the comment."""
