"""Browser sessions, as Advanced Alchemy's session store keeps them."""

from advanced_alchemy.extensions.litestar.store import StoreModelMixin


class SessionRecord(StoreModelMixin):
    """A signed-in browser session, kept by Litestar's server-side session middleware."""

    __tablename__ = "sessions"
