"""Browser sign-ins, kept server-side in the application database.

Litestar's ``ServerSideSessionConfig`` with Advanced Alchemy's ``SQLAlchemyStore``, with three
changes to the backend: nothing is stored for a visitor whose session is empty (anonymous
visitors leave no row), a session id the client made up is never adopted (a new one is
generated, so a planted cookie cannot fix the id), and the cookie is ``Secure`` whenever
the request came over HTTPS. The row is written after the response body, once the
request's own transaction is committed, and an unchanged session is renewed at most every
few minutes rather than on every request.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from sqlalchemy import delete

from conduit.config import alchemy_config, settings
from conduit.db.models import SessionRecord

logger = logging.getLogger("conduit")

SESSION_STORE = "sessions"
SESSION_COOKIE = "conduit_session"
PURGE_INTERVAL_SECONDS = 3600
RENEW_AFTER_SECONDS = 300
"""An unchanged session is written again (pushing its expiry forward) at most this often."""
_RENEWED_AT = "renewed_at"
_LOADED = "conduit_session_loaded"
_PENDING = "conduit_session_pending"


class BrowserSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.state[_LOADED] = dict(data)
        return data

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.state.get(_LOADED):
            return super().get_session_id(connection)
        return connection.get_session_id() or self.generate_session_id()

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        """Set the cookie on the response, and note what to write once the request's transaction is over."""
        headers = MutableScopeHeaders.from_message(message)
        secure = self.config.secure or connection.scope.get("scheme") == "https"
        if scope_session is Empty or not scope_session:
            if stale := connection.cookies.get(self.config.key):
                connection.state[_PENDING] = (stale, None)
                headers.add("Set-Cookie", self._cookie("null", secure=secure, max_age=0).to_header(header=""))
            return
        session = cast("dict[str, Any]", scope_session)  # Conduit keeps plain dicts in its sessions
        if self._fresh_and_unchanged(session, connection.state.get(_LOADED) or {}):
            return
        session = {**session, _RENEWED_AT: int(time.time())}
        session_id = self.get_session_id(connection)
        connection.state[_PENDING] = (session_id, self.serialize_data(session, connection.scope))
        cookie = self._cookie(session_id, secure=secure, max_age=self.config.max_age)
        headers.add("Set-Cookie", cookie.to_header(header=""))

    @staticmethod
    def _fresh_and_unchanged(session: dict[str, Any], loaded: dict[str, Any]) -> bool:
        """Whether the request left the session as it was, and it was renewed only moments ago."""
        renewed_at = loaded.get(_RENEWED_AT)
        if not isinstance(renewed_at, int) or time.time() - renewed_at >= RENEW_AFTER_SECONDS:
            return False
        return {**session, _RENEWED_AT: None} == {**loaded, _RENEWED_AT: None}

    async def write_pending(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Store or delete the session noted by ``store_in_message``."""
        pending = connection.state.pop(_PENDING, None)
        if pending is None:
            return
        session_id, data = pending
        store = self.config.get_store_from_app(connection.scope["app"])
        if data is None:
            await self.delete(session_id, store=store)
        else:
            await self.set(session_id=session_id, data=data, store=store)

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


class BrowserSessionMiddleware(SessionMiddleware[BrowserSessionBackend]):
    """Writes the session row after the response body, when the request's own transaction has been committed.

    Writing it as the response starts, as Litestar does, would wait on that transaction's
    write lock under SQLite.
    """

    def create_send_wrapper(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> Callable[[Message], Awaitable[None]]:
        async def wrapped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self.backend.store_in_message(connection.scope.get("session"), message, connection)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await self.backend.write_pending(connection)
            await connection.send(message)

        return wrapped_send


class BrowserSessionConfig(ServerSideSessionConfig):
    _backend_class = BrowserSessionBackend

    @property
    def middleware(self) -> DefineMiddleware:
        return DefineMiddleware(BrowserSessionMiddleware, backend=self._backend_class(config=self))


session_store = SQLAlchemyStore(config=alchemy_config, model=SessionRecord, namespace="conduit")

session_config = BrowserSessionConfig(
    store=SESSION_STORE,
    key=SESSION_COOKIE,
    max_age=settings.session_max_age_seconds,
    httponly=True,
    samesite="lax",
    secure=settings.session_cookie_secure,
    exclude=["^/api/", "^/static/"],
)


async def purge_expired_sessions() -> int:
    """Delete the sessions whose time ran out.

    Returns:
        How many were deleted.
    """
    async with alchemy_config.get_session() as session, session.begin():
        result = await session.execute(delete(SessionRecord).where(SessionRecord.expires_at < datetime.now(UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


@contextlib.asynccontextmanager
async def purging_expired_sessions(_: Litestar) -> AsyncIterator[None]:
    """While the app runs, purge expired sessions every hour (``conduit sessions clear`` removes them all)."""

    async def purge_forever() -> None:
        while True:
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)
            try:
                if purged := await purge_expired_sessions():
                    logger.info("purged %d expired sessions", purged)
            except Exception:
                logger.exception("purging expired sessions failed")

    task = asyncio.create_task(purge_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
