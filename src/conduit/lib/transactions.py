"""The request's transaction: committed before its response starts, and on PostgreSQL none at all for a read.

A 2xx means committed. Advanced Alchemy's ``before_send_handler`` (``conduit.config``: commit on 2xx and 3xx, roll back
otherwise) commits once the status line is fixed, and a COMMIT that fails there is only logged, so the client would
get its 2xx for a write that was lost. ``RequestTransaction`` applies the same policy one step earlier, when the
handler's response starts and before it is passed on: when COMMIT fails, that response is dropped and the error
handler's answer to the failure (500, or 503 when the database is unavailable) is sent instead. Advanced Alchemy's
handler then finds nothing left to commit and closes the session as usual. A read of the API commits nothing that
could be lost, so its session is left to that handler alone (one COMMIT, and no session made just to be committed
when the response came from the cache); a read of a page still commits first, since its browser session is written
after that, on a connection of its own.

A read (a request with a safe method) on PostgreSQL takes the session's connection in AUTOCOMMIT mode, SQLAlchemy's
per-session isolation level (``AsyncSession.connection(execution_options=...)``): its statements run without the
BEGIN and COMMIT round trips of a transaction it has no use for. Behind PgBouncer in transaction mode reads keep
their transaction, which holds a statement's PREPARE and EXECUTE on one server connection.

Response caching (``conduit.lib.caching``): an anonymous read of a cached route gets the content version it belongs
to before its handler runs, and takes no connection unless the cache misses. Litestar calls ``before_request`` hooks
only on a miss, so ``RequestTransaction.before_handler`` takes the connection then, in AUTOCOMMIT like any other
read. A write that committed moves the version on before its response is sent.

On SQLite, which has one writer at a time, the writes of one process take turns (``serialize_writes``): a request
with an unsafe method waits for the one before it to be answered, in an in-process queue, first come first served,
rather than in SQLite's busy handler, whose retries sleep ever longer and leave some writers waiting a second
while others pass. A write that waits longer than SQLite's lock timeout is answered 503 like a busy database.
Processes sharing the file still meet in SQLite's lock.
"""

import asyncio
import contextlib
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from litestar.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.lib.caching import VERSION_STATE, ContentVersion, content_version_of
from conduit.lib.database import SQLITE_BUSY_TIMEOUT_MS
from conduit.lib.exceptions import CommitFailedError, ServiceUnavailableError
from conduit.lib.requests import SAFE_METHODS

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}
BROWSER_SESSION = "session"
"""The scope key where Litestar's session middleware keeps a request's browser session (absent where it is
excluded: the API, static files, feeds)."""
WRITE_TURN_TIMEOUT_SECONDS = SQLITE_BUSY_TIMEOUT_MS / 1000


class RequestTransaction(ASGIMiddleware):
    """Begins a request's reads outside a transaction (``reads_outside_transactions``) and commits its transaction
    when its response is a 2xx or 3xx, before the response is sent; when COMMIT fails, ``error_handler`` answers the
    ``CommitFailedError`` instead. Paths starting with one of ``bypass`` never use the request's session."""

    scopes = (ScopeType.HTTP,)

    def __init__(
        self,
        alchemy: SQLAlchemyAsyncConfig,
        *,
        reads_outside_transactions: bool,
        error_handler: ExceptionHandler,
        bypass: tuple[str, ...],
        serialize_writes: bool = False,
        versions: ContentVersion | None = None,
    ) -> None:
        self.alchemy = alchemy
        self.versions = versions
        self.reads_outside_transactions = reads_outside_transactions
        self.write_turn = asyncio.Lock() if serialize_writes else None
        self.error_handler = error_handler
        self.should_bypass_for_scope = lambda scope: scope["path"].startswith(bypass)

    async def before_handler(self, request: Request[Any, Any, Any]) -> None:
        """The app's ``before_request`` hook (Litestar calls it once the response cache has missed): a read that
        was left its session in case the cache answered it takes the connection in AUTOCOMMIT now."""
        if self.reads_outside_transactions and content_version_of(request.scope) is not None:
            session = self.session_of(request.scope)
            if not session.in_transaction():
                await session.connection(execution_options=AUTOCOMMIT)

    def session_of(self, scope: Scope) -> AsyncSession:
        """The request's session, as the plugin provides it to handlers (made now if nothing asked for it yet)."""
        return self.alchemy.provide_session(scope["app"].state, scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if self.write_turn is None or scope.get("method") in SAFE_METHODS:
            await self.transaction(scope, receive, send, next_app)
            return
        try:
            async with asyncio.timeout(WRITE_TURN_TIMEOUT_SECONDS):
                await self.write_turn.acquire()
        except TimeoutError:
            raise ServiceUnavailableError("database") from None
        try:
            await self.transaction(scope, receive, send, next_app)
        finally:
            self.write_turn.release()

    async def transaction(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """The request, with its reads outside a transaction where they can be, and its commit before its answer."""
        safe = scope.get("method") in SAFE_METHODS
        cached = safe and await self.fix_content_version(scope)
        outside = self.reads_outside_transactions and safe
        if outside and not cached:  # a cached read most often never opens its session
            await self.session_of(scope).connection(execution_options=AUTOCOMMIT)
        # A write commits here; so does a read on a page, whose browser session is written after this (taking a
        # connection of its own). Any other read is left to the plugin's before_send_handler, which commits and
        # closes its session, if it opened one, as the response starts.
        early = not safe or BROWSER_SESSION in scope

        failure: CommitFailedError | None = None

        async def committing(message: Message) -> None:
            nonlocal failure
            if failure is not None:
                return  # the rest of the response whose commit failed
            if (
                early
                and message["type"] == "http.response.start"
                and HTTP_200_OK <= message["status"] < HTTP_400_BAD_REQUEST
            ):
                # A read outside a transaction has nothing to commit, but committing gives its connection back
                # before the response starts: the browser session, written then, takes it again.
                try:
                    committed = await commit(self.session_of(scope))
                except CommitFailedError as exc:
                    failure = exc
                    return
                if committed and not safe and self.versions is not None:
                    await self.versions.bump()  # before the answer: its client's next read is not served stale
            await send(message)

        await next_app(scope, receive, committing)
        if failure is not None:
            request: Request[Any, Any, Any] = scope["app"].request_class(scope=scope, receive=receive)
            answer = self.error_handler(request, failure)
            await answer.to_asgi_response(None, request)(scope, receive, send)

    async def fix_content_version(self, scope: Scope) -> bool:
        """Give an anonymous read of a cached route the content version it belongs to (``conduit.lib.caching``);
        whether it has one, so may be answered from the cache."""
        handler = scope.get("route_handler")
        if self.versions is None or not getattr(handler, "cache", False):
            return False
        if any(name == b"authorization" for name, _ in scope["headers"]):
            return False
        version = await self.versions.current()
        scope.setdefault("state", {})[VERSION_STATE] = version
        return version is not None


async def commit(session: AsyncSession) -> bool:
    """Commit ``session``'s transaction, if it has one; whether it had.

    Raises:
        CommitFailedError: COMMIT failed (the transaction is rolled back).
    """
    if not session.in_transaction():
        return False
    try:
        await session.commit()
    except SQLAlchemyError as exc:
        with contextlib.suppress(SQLAlchemyError):
            await session.rollback()
        raise CommitFailedError from exc
    return True
