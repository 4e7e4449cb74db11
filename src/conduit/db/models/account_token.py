"""Single-use tokens mailed to an account's owner: password resets and address confirmations."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

Purpose = Literal["password-reset", "email-verification"]


class AccountToken(UUIDv7AuditBase):
    """A token sent by mail, kept only as its SHA-256; using it deletes it."""

    __tablename__ = "account_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    """The address the token was mailed to (for a confirmation: the address it confirms)."""
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
