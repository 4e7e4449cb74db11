"""Reads on PostgreSQL streaming replicas, through Advanced Alchemy's read/write routing.

With ``DATABASE_REPLICA_URLS`` set, the plugin's sessions route with Advanced Alchemy's ``RoutingSyncSession``: writes,
flushes and ``FOR UPDATE`` go to the primary (its ``default`` group), every other statement to its ``read`` group.
The ``read`` group's selector (``RequestDatabase``) answers with the database ``conduit.lib.routing`` chose for the
request at hand: a replica for a read that one can serve, the primary otherwise. The choice is per request rather
than per statement, so that a page's statements all see one snapshot of one database.

``Replicas.watch`` asks every database twice a second whether it answers, and each replica how far its replay is
(the WAL position it has replayed) and how far behind the primary it is:
``0`` when it has replayed all the WAL it received, else the age of the last transaction it replayed. A replica that
does not answer, or is further behind than ``DATABASE_REPLICA_MAX_LAG_SECONDS``, gets no reads.
"""

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy.config.routing import RoutingConfig
from advanced_alchemy.routing import RoutingSyncSession
from advanced_alchemy.routing.selectors import EngineSelector
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from conduit.lib.database import create_engine, describe_cause, engine_options
from conduit.lib.metrics import DATABASE_UP, REPLICA_LAG
from conduit.lib.settings import Settings

CHECK_INTERVAL_SECONDS = 0.5
CHECK_TIMEOUT_SECONDS = 1.0
PRIMARY = "primary"
REPLICA_STATE = text(
    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint AS replayed,"
    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END AS lag"
)
"""How far a replica has replayed (a WAL position, in bytes) and how many seconds of the primary's commits it lacks."""
PRIMARY_STATE = text("SELECT 1")

logger = logging.getLogger("conduit.replicas")


@dataclass
class Database:
    """One database server, as last seen by ``Replicas.watch``."""

    name: str
    engine: AsyncEngine
    up: bool = True
    lag_seconds: float = 0.0
    replayed: int = 0
    """The WAL position the replica has replayed (0 for the primary)."""
    seen_at: float = field(default_factory=time.monotonic)


class Replicas:
    """The primary and its replicas: their engines, what ``watch`` last saw of them, and which serves a read."""

    def __init__(self, settings: Settings) -> None:
        options = engine_options(settings)
        self.max_lag_seconds = settings.database_replica_max_lag_seconds
        self.primary = Database(PRIMARY, create_engine(settings.database_url, **options))
        # A ping per checkout, so that a connection to a replica that went away is replaced before a read uses it.
        self.replicas = [
            Database(f"replica-{number}", create_engine(url, **{**options, "pool_pre_ping": True}))
            for number, url in enumerate(settings.database_replica_urls, start=1)
        ]
        self.urls = (settings.database_url, *settings.database_replica_urls)
        self._turns = itertools.count()

    @property
    def databases(self) -> list[Database]:
        return [self.primary, *self.replicas]

    @property
    def read_only(self) -> bool:
        """The primary does not answer: writes cannot be served, reads can while a replica answers."""
        return not self.primary.up

    def replica_for(self, written: int) -> Database | None:
        """A replica that may serve a read by a client whose last write is at WAL position ``written`` (0: none
        known), taking turns among them; None when only the primary may.

        A replica whose replay has not reached ``written`` as last seen may still have by now: the caller checks.
        While the primary is down, any replica that answers serves: it is all there is.
        """
        stale = time.monotonic() - 3 * CHECK_INTERVAL_SECONDS
        ready = [replica for replica in self.replicas if replica.up and replica.seen_at > stale]
        if self.primary.up:
            ready = [replica for replica in ready if replica.lag_seconds <= self.max_lag_seconds]
        if not ready:
            return None
        caught_up = [replica for replica in ready if replica.replayed >= written] or ready
        return caught_up[next(self._turns) % len(caught_up)]

    def mark_down(self, database: Database, cause: BaseException) -> None:
        """Give ``database`` no reads until ``watch`` sees it answer again."""
        if database.up:
            logger.warning("database down", extra={"database": database.name, "cause": describe_cause(cause)})
        database.up = False
        DATABASE_UP.labels(database.name).set(0)

    async def check(self, database: Database) -> None:
        """Ask ``database`` how it is, and remember the answer."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), database.engine.connect() as connection:
                row = (await connection.execute(REPLICA_STATE if database is not self.primary else PRIMARY_STATE)).one()
        except Exception as exc:  # whatever the failure, the database is not serving
            self.mark_down(database, exc)
            return
        if not database.up:
            logger.warning("database up", extra={"database": database.name})
        if database is not self.primary:
            database.replayed, database.lag_seconds = int(row.replayed or 0), float(row.lag)
            REPLICA_LAG.labels(database.name).set(database.lag_seconds)
        database.up, database.seen_at = True, time.monotonic()
        DATABASE_UP.labels(database.name).set(1)

    async def check_all(self) -> None:
        await asyncio.gather(*(self.check(database) for database in self.databases))

    async def watch(self) -> None:
        """Check every database every ``CHECK_INTERVAL_SECONDS``, for as long as the app runs."""
        while True:
            await self.check_all()
            await asyncio.sleep(CHECK_INTERVAL_SECONDS)

    def lifespan(self) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
        """A lifespan that watches the databases while the app runs and closes their connections when it stops."""

        @contextlib.asynccontextmanager
        async def watching(_: Any) -> AsyncIterator[None]:
            await self.check_all()
            watcher = asyncio.create_task(self.watch(), name="conduit-replicas-watch")
            try:
                yield
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
                for database in self.replicas:
                    await database.engine.dispose()

        return watching

    def session_maker(self, session_options: dict[str, Any]) -> Callable[[], AsyncSession]:
        """Sessions routing writes to the primary and reads to the request's database (``RequestDatabase``).

        Advanced Alchemy's ``RoutingSyncSession`` is the routing (``RoutedSession``): it is the asyncio session's
        ``sync_session_class``, as SQLAlchemy has a custom ``get_bind`` used with asyncio. (Advanced Alchemy 1.12's
        own ``RoutingAsyncSession`` assigns ``bind`` before the sync session exists, which SQLAlchemy 2.1 refuses.)
        """
        routing = RoutingConfig(engines={"default": [self.urls[0]], "read": list(self.urls[1:])})
        selectors: dict[str, EngineSelector[Engine]] = {"read": RequestDatabase(self)}

        def make() -> AsyncSession:
            return AsyncSession(
                bind=self.primary.engine,  # what ``bind`` names; the routing decides where statements run
                sync_session_class=RoutedSession,
                routing_config=routing,
                selectors=selectors,
                default_engine=self.primary.engine.sync_engine,
                **session_options,
            )

        return make


class RoutedSession(RoutingSyncSession):
    """Advanced Alchemy's routing session, with ``bind`` naming the primary rather than None: routing is its
    ``get_bind``'s, and code that reads the dialect from ``bind`` (Advanced Alchemy's ``SQLAlchemyStore``, which keeps
    the browser sessions) finds one."""

    def __init__(self, routing_config: RoutingConfig, selectors: Any, default_engine: Engine, **options: Any) -> None:
        super().__init__(routing_config, selectors, default_engine, **options)
        self.bind = default_engine


request_database: ContextVar[Database | None] = ContextVar("request_database", default=None)
"""The database the current request reads from (``conduit.lib.routing`` sets it); None: the primary."""


class RequestDatabase(EngineSelector[Engine]):
    """The ``read`` group's choice: the engine of the database the current request reads from."""

    def __init__(self, replicas: Replicas) -> None:
        super().__init__([database.engine.sync_engine for database in replicas.databases])
        self.primary = replicas.primary

    def next(self) -> Engine:
        return (request_database.get() or self.primary).engine.sync_engine
