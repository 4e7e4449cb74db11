"""Tags."""

from advanced_alchemy.base import IdentityBase
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from conduit.db.models.user import DERIVED


class Tag(IdentityBase):
    """A label articles are filed under; names are unique."""

    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    articles_count: Mapped[int] = mapped_column(default=0, server_default="0", info=DERIVED)
    """How many articles are filed under the tag."""


Index("ix_tags_popularity", Tag.articles_count.desc(), Tag.name)
"""The popular tags are read from the top of this index."""
