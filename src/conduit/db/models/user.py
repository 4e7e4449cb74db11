"""Users, and who follows whom."""

import unicodedata
from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, validates

from conduit.db.models.links import link_table

follows = link_table("follows", ("follower_id", "users.id"), ("followed_id", "users.id"))
"""Who follows whom: one row per (follower, followed) pair."""

DERIVED = {"derived": True}
"""Column ``info`` marking values the database computes (kept current by triggers): never exported or imported."""


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
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    """SHA-256 of the token in the user's private feed address (None until the address is first shown)."""
    feed_token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Goes into the private feed token; raising it (and dropping the hash) gives the feed a new address."""
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """When the owner confirmed that ``email`` is theirs (None: not yet)."""
    pending_email: Mapped[str | None] = mapped_column(String(254), default=None)
    """A new address waiting to be confirmed before it replaces ``email`` (with ``REQUIRE_VERIFIED_EMAIL``)."""
    notify_follows: Mapped[bool] = mapped_column(default=True, server_default=true())
    """Mail the owner when someone follows them."""
    notify_comments: Mapped[bool] = mapped_column(default=True, server_default=true())
    """Mail the owner when someone comments on their article."""
    articles_count: Mapped[int] = mapped_column(default=0, server_default="0", info=DERIVED)
    """How many articles the user wrote."""
    favorites_count: Mapped[int] = mapped_column(default=0, server_default="0", info=DERIVED)
    """How many articles the user favorited."""
    feed_articles_count: Mapped[int] = mapped_column(default=0, server_default="0", info=DERIVED)
    """How many articles the authors the user follows wrote: the feed's total."""

    @staticmethod
    def notification_choice(kind: str) -> str:
        """The column saying whether the owner gets notification mails of ``kind`` (``follow``, ``comment``)."""
        return "notify_follows" if kind == "follow" else "notify_comments"

    def wants(self, kind: str) -> bool:
        """Whether the owner gets notification mails of ``kind`` (``follow``, ``comment``)."""
        return bool(getattr(self, self.notification_choice(kind)))

    @validates("username")
    def _keep_canonical_username(self, _: str, username: str) -> str:
        self.canonical_username = canonical_username(username)
        return username
