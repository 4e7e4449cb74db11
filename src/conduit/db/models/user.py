"""Users, and who follows whom."""

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, query_expression

follows = Table(
    "follows",
    orm_registry.metadata,
    Column("follower_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followed_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_follows_followed_id", "followed_id"),
)
"""Who follows whom: one row per (follower, followed) pair."""


class User(UUIDv7AuditBase):
    """A registered author; seen by others as a profile."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str | None] = mapped_column(Text, default=None)
    image: Mapped[str | None] = mapped_column(String(2048), default=None)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    """A disabled account can neither sign in nor use its tokens."""

    following: Mapped[bool] = query_expression(default_expr=false())
    """Whether the viewer of a query follows this user; filled in per query."""
