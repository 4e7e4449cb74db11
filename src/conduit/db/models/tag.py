"""Tags."""

from advanced_alchemy.base import IdentityBase
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class Tag(IdentityBase):
    """A label articles are filed under; names are unique."""

    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(64), unique=True)
