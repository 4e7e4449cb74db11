"""Browser sign-ins, kept server-side in the application database.

Litestar's server-side sessions with Advanced Alchemy's ``SQLAlchemyStore``, with four changes to
the backend: nothing is stored for a visitor whose session is empty (anonymous visitors leave no
row); a session id the browser presents but the store does not know is never adopted; signing in
always starts a new session id and deletes the old row, and signing out deletes the row (no session
fixation: a session id known before a sign-in is worthless after it); and an unchanged session is
renewed at most every few minutes rather than written on every request.

Ending all of an account's sessions at once (a new password, a disabled account, "sign out
everywhere") does not look for their rows: the store keys rows by session id only. Instead each
session remembers the account's ``session_version`` at sign-in, and ``BrowserSessionAuthMiddleware`` (through
``conduit.users.deps.browser_session_retrieve_user_handler``) accepts it only while the account still has that
version. Raising the version is one UPDATE of the user's row; every older session is refused at its next request,
its row deleted then, and rows never presented again expire and are purged like any other.
"""

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware import DefineMiddleware
from litestar.middleware.session import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import SessionRecord, User
from conduit.lib.auth import SESSION_VERSION, RetrieveUserHandler
from conduit.lib.database import database_unavailable
from conduit.lib.jobs import Lifespan, periodic_job
from conduit.lib.requests import SAFE_METHODS

BROWSER_SESSION_STORE = "sessions"
BROWSER_SESSION_COOKIE = "conduit_session"
PURGE_JOB = "purge_expired_browser_sessions"
RENEW_AFTER_SECONDS = 300
"""An unchanged session is written again (pushing its expiry forward) at most this often."""
_RENEWED_AT = "renewed_at"
_LOADED = "conduit_session_loaded"
_NEW_ID = "conduit_session_new_id"
_SESSION_ID = "conduit_session_id"


def sign_in(request: Request[Any, Any, Any], user: User) -> None:
    """Remember ``user`` (and their current session version) in the browser session, under a new session id."""
    request.state[_NEW_ID] = True
    request.set_session({"user_id": str(user.id), "username": user.username, SESSION_VERSION: user.session_version})


def sign_out(request: Request[Any, Any, Any]) -> None:
    """Forget the browser session: its row is deleted and the cookie expired."""
    request.clear_session()


class BrowserSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.state[_LOADED] = dict(data)
        return data

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The id the session is stored under: the browser's only if the store knew it and no sign-in happened."""
        if connection.state.get(_LOADED) and not connection.state.get(_NEW_ID):
            return super().get_session_id(connection)
        if _SESSION_ID not in connection.state:
            connection.state[_SESSION_ID] = self.generate_session_id()
        return cast("str", connection.state[_SESSION_ID])

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        """Write (or delete) the session row and set the cookie, as the response starts."""
        headers = MutableScopeHeaders.from_message(message)
        secure = self.config.secure or connection.scope.get("scheme") == "https"
        store = self.config.get_store_from_app(connection.scope["app"])
        presented = connection.cookies.get(self.config.key)
        if scope_session is Empty or not scope_session:
            if presented:
                await self.delete(presented, store=store)
                headers.add("Set-Cookie", self._cookie("null", secure=secure, max_age=0).to_header(header=""))
            return
        session = cast("dict[str, Any]", scope_session)  # Conduit keeps plain dicts in its sessions
        if not connection.state.get(_NEW_ID) and self._fresh_and_unchanged(
            session, connection.state.get(_LOADED) or {}
        ):
            return
        session_id = self.get_session_id(connection)
        if presented and presented != session_id:
            await self.delete(presented, store=store)
        session = {**session, _RENEWED_AT: int(time.time())}
        try:
            await self.set(session_id=session_id, data=self.serialize_data(session, connection.scope), store=store)
        except Exception as exc:
            if connection.scope.get("method") not in SAFE_METHODS or not database_unavailable(exc):
                raise
            return  # a read while the primary database is down: the session is renewed by a later visit
        headers.add(
            "Set-Cookie", self._cookie(session_id, secure=secure, max_age=self.config.max_age).to_header(header="")
        )

    @staticmethod
    def _fresh_and_unchanged(session: dict[str, Any], loaded: dict[str, Any]) -> bool:
        """Whether the request left the session as it was, and it was renewed only moments ago."""
        renewed_at = loaded.get(_RENEWED_AT)
        if not isinstance(renewed_at, int) or time.time() - renewed_at >= RENEW_AFTER_SECONDS:
            return False
        return {**session, _RENEWED_AT: None} == {**loaded, _RENEWED_AT: None}

    def _cookie(self, value: str, *, secure: bool, max_age: int) -> Cookie:
        return Cookie(
            key=self.config.key,
            value=value,
            path=self.config.path,
            max_age=max_age,
            domain=self.config.domain,
            secure=secure,
            httponly=self.config.httponly,
            samesite=self.config.samesite,
        )


def browser_session_middleware(config: ServerSideSessionConfig) -> DefineMiddleware:
    """Litestar's session middleware with Conduit's backend (``config.middleware`` would bring Litestar's own), where
    ``litestar sessions`` finds it."""
    return DefineMiddleware(SessionMiddleware, backend=BrowserSessionBackend(config=config))


def browser_session_viewer(
    config: ServerSideSessionConfig, retrieve_user: RetrieveUserHandler
) -> Callable[[Request[Any, Any, Any]], Awaitable[User | None]]:
    """Who the browser session of a request names, for a request the session middleware never saw (a path no
    route matches): None without a session cookie, for a session the store does not know, or one ended."""
    backend = BrowserSessionBackend(config=config)

    async def viewer_of(request: Request[Any, Any, Any]) -> User | None:
        if not request.cookies.get(config.key):
            return None
        session = await backend.load_from_connection(request)
        return await retrieve_user(session, request) if session.get("user_id") else None

    return viewer_of


async def purge_expired_browser_sessions(session: AsyncSession) -> int:
    """Delete the sessions whose time ran out.

    Returns:
        How many were deleted.
    """
    result = await session.execute(delete(SessionRecord).where(SessionRecord.expires_at < datetime.now(UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


def purging_expired_browser_sessions(alchemy: SQLAlchemyAsyncConfig, interval: timedelta) -> Lifespan:
    """A lifespan that purges expired sessions every ``interval``, in one process of all that share the database."""
    return periodic_job(alchemy, PURGE_JOB, interval, purge_expired_browser_sessions)
