"""The request's transaction: committed before its response starts, and not opened at all for reads.

A 2xx means committed.
Advanced Alchemy's ``before_send_handler`` commits while the status line is already on its way
and only logs a failed COMMIT, so the client would get its 2xx for a write that was lost. The
policy it is configured with (commit on 2xx and 3xx, roll back otherwise) is therefore carried
out one step earlier here, in an ``after_request`` hook, where a failed COMMIT is still an
exception that the error mapping turns into a 503 or 500. By the time Advanced Alchemy's handler
runs, the transaction is either committed (its own commit has nothing left to do) or the request
failed (it rolls back).

A GET or HEAD request on PostgreSQL reads through an AUTOCOMMIT view of the engine (sharing its
pool), which saves the BEGIN and COMMIT round trips a read-only transaction would cost. SQLite
opens no transaction for reads in the first place.
"""

import contextlib
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from litestar import Response
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from conduit.db.reads import has_pending_changes
from conduit.lib.exceptions import CommitFailedError

_request_scope: ContextVar[Scope | None] = ContextVar("conduit_request_scope", default=None)
_autocommit_views: "WeakKeyDictionary[Engine, AsyncEngine]" = WeakKeyDictionary()
SAFE_METHODS = ("GET", "HEAD")


def _autocommit_view(engine: AsyncEngine) -> AsyncEngine:
    """The AUTOCOMMIT view of ``engine``, made once; forgotten when the engine is disposed (its pool replaced)."""
    view = _autocommit_views.get(engine.sync_engine)
    if view is None:
        view = _autocommit_views[engine.sync_engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(engine.sync_engine, "engine_disposed", _forget_view, once=True)
    return view


def _forget_view(engine: Engine) -> None:
    _autocommit_views.pop(engine, None)


HOLDS_CONNECTION = "conduit.holds_connection"
"""The key in ``Session.info`` present while the session's transaction holds a connection.

``in_transaction()`` cannot tell: attaching an instance begins a transaction (SQLAlchemy's autobegin) that has no
connection and has sent nothing to the database until a statement needs one. The listeners below keep the key
for every ORM session of the process: Advanced Alchemy makes the ORM session under each request session with a
session maker of its own, so a ``Session`` subclass of Conduit's would not be the one used.
"""


@event.listens_for(Session, "after_begin")
def _connection_taken(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    session.info[HOLDS_CONNECTION] = True


@event.listens_for(Session, "after_transaction_end")
def _connection_released(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(HOLDS_CONNECTION, None)


class RequestSession(AsyncSession):
    """The session of a request: bound to the engine's AUTOCOMMIT view in a read-only request on PostgreSQL.

    Its ``commit`` does nothing without a transaction (as when Advanced Alchemy's handler commits after
    ``commit_before_response`` already did). On the AUTOCOMMIT view it costs no round trip (each statement
    was committed as it ran) and gives the connection back to the pool, before the response is sent: a
    request then never holds its connection while it waits for a second one (the browser-session store
    takes its own), which a busy pool with no overflow could not give.

    The signed-in account is not attached to such a session (``UserService.active_account``), so that a read-only
    request's session normally begins no transaction at all.
    """

    def __init__(self, bind: Any = None, **options: Any) -> None:
        scope = _request_scope.get()
        reading = scope is not None and scope.get("method") in SAFE_METHODS
        self.on_postgres = isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql"
        self.autocommits = reading and self.on_postgres
        if self.autocommits:
            bind = _autocommit_view(bind)
        super().__init__(bind=bind, **options)

    @property
    def reads_directly(self) -> bool:
        """Whether ``db.reads`` may run a read on asyncpg rather than through this session.

        On the AUTOCOMMIT view, always. In a request that writes, until its transaction takes a connection (with
        nothing pending to flush): the read of the signed-in account, and reads a write starts with (a favorite
        reads its article first). Such a read takes no lock and sees what is committed, as it would as the
        transaction's first statement under READ COMMITTED, and the transaction, which holds the locks its writes
        take until COMMIT, is then shorter by a round trip.
        """
        if self.autocommits:
            return True
        return self.on_postgres and not (self.holds_connection or has_pending_changes(self))

    @property
    def holds_connection(self) -> bool:
        """Whether the session's transaction has taken a connection (a statement has run in it)."""
        return HOLDS_CONNECTION in self.sync_session.info

    async def commit(self) -> None:
        if self.in_transaction():
            await super().commit()


def remember_request_scope(app: ASGIApp) -> ASGIApp:
    """Middleware that lets ``commit_before_response`` find the request it is finishing."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        token = _request_scope.set(scope)
        try:
            await app(scope, receive, send)
        finally:
            _request_scope.reset(token)

    return middleware


def commit_before_response(alchemy: SQLAlchemyAsyncConfig) -> Callable[[Response[Any]], Awaitable[Response[Any]]]:
    """The ``after_request`` hook that commits the request's session when its response is a 2xx or 3xx.

    The hook raises ``CommitFailedError`` when COMMIT fails: nothing of the request was saved.
    """

    async def commit(response: Response[Any]) -> Response[Any]:
        scope = _request_scope.get()
        session: AsyncSession | None = get_aa_scope_state(scope, alchemy.session_scope_key) if scope else None
        if session is None or not session.in_transaction():
            return response
        if HTTP_200_OK <= (response.status_code or HTTP_200_OK) < HTTP_400_BAD_REQUEST:
            try:
                await session.commit()
            except SQLAlchemyError as exc:
                with contextlib.suppress(SQLAlchemyError):
                    await session.rollback()
                raise CommitFailedError from exc
        return response

    return commit
