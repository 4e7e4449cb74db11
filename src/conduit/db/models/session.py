"""Browser sessions, in the shape Advanced Alchemy's ``SQLAlchemyStore`` keeps them."""

from datetime import datetime

from advanced_alchemy.base import UUIDv7Base
from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

SESSION_NAMESPACE = "conduit"
"""The store namespace Conduit's browser sessions are kept under."""


class SessionRecord(UUIDv7Base):
    """A signed-in browser session, kept by Litestar's server-side session middleware.

    The columns are those of Advanced Alchemy's ``StoreModelMixin``, written out because importing the mixin
    loads the library's whole Litestar extension (Alembic included) into every command-line command.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("key", "namespace", name="uq_sessions_key_namespace"),
        Index("ix_sessions_key_namespace_unique", "key", "namespace", unique=True),
    )

    key: Mapped[str] = mapped_column(String(length=255))
    namespace: Mapped[str] = mapped_column(String(length=255))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)
