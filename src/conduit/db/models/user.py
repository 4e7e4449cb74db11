"""Users, and who follows whom."""

import unicodedata

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, query_expression, validates

follows = Table(
    "follows",
    orm_registry.metadata,
    Column("follower_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("followed_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_follows_followed_id", "followed_id"),
)
"""Who follows whom: one row per (follower, followed) pair."""


def canonical_username(username: str) -> str:
    """What makes two usernames the same person: ``Ada``, ``ADA`` and ``Ada`` in full-width letters are all ``ada``."""
    return unicodedata.normalize("NFKC", username).casefold()


class User(UUIDv7AuditBase):
    """A registered author; seen by others as a profile."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    canonical_username: Mapped[str] = mapped_column(String(255), unique=True)
    """``canonical_username(username)``, kept by the model whenever ``username`` is set; unique, so that names
    differing only in case or Unicode form cannot both exist."""
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str | None] = mapped_column(Text, default=None)
    image: Mapped[str | None] = mapped_column(String(2048), default=None)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    """A disabled account can neither sign in nor use its tokens."""
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Written into every API token; raising it makes every token issued before answer 401."""
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Written into every browser session at sign-in; raising it signs out every browser."""

    following: Mapped[bool] = query_expression(default_expr=false())
    """Whether the viewer of a query follows this user; filled in per query."""

    @validates("username")
    def _keep_canonical_username(self, _: str, username: str) -> str:
        self.canonical_username = canonical_username(username)
        return username
