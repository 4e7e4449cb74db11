"""Which database serves a request, with replicas (``DATABASE_REPLICA_URLS``): read-your-writes, and reads that
survive a replica going away.

- A write (a request with an unsafe method) runs on the primary, its reads included. Before its response starts,
  and so before the client can send its next request, the primary's WAL position is recorded for the client, under
  its address and under its credential (the ``Authorization`` header or the sign-in cookie): ``WriteMarks``. When
  the position cannot be read, the client reads from the primary until the mark expires.
- A read runs on a replica that has replayed that position, taking turns among the replicas that are up and within
  ``DATABASE_REPLICA_MAX_LAG_SECONDS``; the replica is asked when what ``Replicas.watch`` last saw is not enough.
  Otherwise it runs on the primary. A mark is kept until every replica that may serve reads has surely replayed it
  (twice the lag bound), in Redis when ``REDIS_URL`` is set, so that every instance sees it.
- A read a replica answered with a 5xx is asked again of the primary, before anything was sent, when the replica
  then no longer answers.
- While the primary is down, reads come from any replica that answers, and writes are answered 503.
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import text

from conduit.lib.database import describe_cause
from conduit.lib.metrics import DATABASE_READS
from conduit.lib.replicas import CHECK_TIMEOUT_SECONDS, PRIMARY, Database, Replicas, request_database
from conduit.lib.requests import SAFE_METHODS

WRITTEN = text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
REPLAYED = text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")
MARK_PREFIX = "conduit:written:"
UNKNOWN_POSITION = 2**62
"""Recorded when a write's position cannot be read: beyond any replica's, so its reads go to the primary."""
LOCAL_MARKS = 100_000
"""Most marks one process keeps without Redis; beyond it, expired ones are dropped."""
RECORD_MAX = """
for _, key in ipairs(KEYS) do
  if tonumber(ARGV[1]) > tonumber(redis.call('GET', key) or '0') then
    redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
  end
end
"""

logger = logging.getLogger("conduit.replicas")


class WriteMarks:
    """The WAL position of each client's last write, while a replica may still lack it."""

    def __init__(self, redis_url: str, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self.local: dict[str, tuple[int, float]] = {}
        self.redis: Any = None
        if redis_url:
            from redis.asyncio import Redis

            self.redis = Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
            self.record_max = self.redis.register_script(RECORD_MAX)

    async def last(self, keys: Sequence[str]) -> int | None:
        """The latest position recorded under any of ``keys`` (0: none); None when it cannot be known."""
        if self.redis is None:
            now = time.monotonic()
            return max((mark[0] for key in keys if (mark := self.local.get(key)) and mark[1] > now), default=0)
        try:
            values = await self.redis.mget([MARK_PREFIX + key for key in keys])
        except Exception as exc:  # without the marks, the primary serves every read
            logger.warning("write marks unavailable", extra={"cause": describe_cause(exc)})
            return None
        return max((int(value) for value in values if value is not None), default=0)

    async def record(self, keys: Sequence[str], position: int) -> None:
        """Remember ``position`` under each of ``keys`` (where it is beyond what they hold)."""
        if self.redis is None:
            now = time.monotonic()
            if len(self.local) > LOCAL_MARKS:
                self.local = {key: mark for key, mark in self.local.items() if mark[1] > now}
            for key in keys:
                if position > self.local.get(key, (0, 0.0))[0]:
                    self.local[key] = (position, now + self.ttl_seconds)
            return
        try:
            await self.record_max(keys=[MARK_PREFIX + key for key in keys], args=[position, int(self.ttl_seconds)])
        except Exception as exc:  # the write is done; its reads may lag by the bound at most
            logger.warning("write mark not recorded", extra={"cause": describe_cause(exc)})

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def client_keys(scope: Scope, cookie: str) -> list[str]:
    """The client's address, and a digest of its credential when it sent one."""
    client = scope.get("client")
    keys = [f"address:{client[0] if client else 'unknown'}"]
    headers = dict(scope["headers"])
    credential = headers.get(b"authorization") or _cookie(headers.get(b"cookie", b""), cookie.encode())
    if credential:
        keys.append("credential:" + hashlib.sha256(credential).hexdigest()[:32])
    return keys


def _cookie(header: bytes, name: bytes) -> bytes | None:
    for part in header.split(b";"):
        key, _, value = part.strip().partition(b"=")
        if key == name and value:
            return value
    return None


class DatabaseRouting(ASGIMiddleware):
    """Sets the request's database (``conduit.lib.replicas.request_database``) as this module describes."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, replicas: Replicas, marks: WriteMarks, *, cookie: str, bypass: tuple[str, ...]) -> None:
        self.replicas = replicas
        self.marks = marks
        self.cookie = cookie
        self.should_bypass_for_scope = lambda scope: scope["path"].startswith(bypass)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        keys = client_keys(scope, self.cookie)
        if scope.get("method") not in SAFE_METHODS:
            request_database.set(None)
            await next_app(scope, receive, self.marking(keys, send))
            return
        # For a second try: the scope as it came, before the first try added its database session, with a fresh
        # state (where Litestar keeps what it parsed and resolved for the first).
        pristine: Any = {**scope, "state": {}}
        replica = await self.replica_for(keys)
        request_database.set(replica)
        if replica is None:
            DATABASE_READS.labels(PRIMARY).inc()
            await next_app(scope, receive, send)
            return
        held: list[Message] = []
        sent = False

        async def holding(message: Message) -> None:
            nonlocal sent
            failed = message["type"] == "http.response.start" and message["status"] >= HTTP_500_INTERNAL_SERVER_ERROR
            if held or failed:
                held.append(message)
            else:
                sent = True
                await send(message)

        try:
            await next_app(scope, receive, holding)
        except Exception:
            if sent or not await self.went_away(replica):
                raise
            held, retry = [], True
        else:
            retry = bool(held) and await self.went_away(replica)
        if retry:  # the replica's failure, before anything was sent: the primary answers instead
            request_database.set(None)
            DATABASE_READS.labels(PRIMARY).inc()
            await next_app(pristine, receive, send)
            return
        for message in held:
            await send(message)
        DATABASE_READS.labels(replica.name).inc()

    async def went_away(self, replica: Database) -> bool:
        """Whether ``replica`` no longer answers (asked now, after a read of it failed)."""
        await self.replicas.check(replica)
        return not replica.up

    async def replica_for(self, keys: Sequence[str]) -> Database | None:
        """The replica that serves this read, or None for the primary."""
        written = await self.marks.last(keys)
        if written is None:
            return None if self.replicas.primary.up else self.replicas.replica_for(0)
        replica = self.replicas.replica_for(written)
        if replica is None or replica.replayed >= written or self.replicas.read_only:
            return replica
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), replica.engine.connect() as connection:
                replica.replayed = max(replica.replayed, int(await connection.scalar(REPLAYED) or 0))
        except Exception as exc:  # a replica that does not answer serves nothing
            self.replicas.mark_down(replica, exc)
            return None
        return replica if replica.replayed >= written else None

    def marking(self, keys: Sequence[str], send: Send) -> Send:
        """``send``, recording the primary's WAL position for the client before a write's response starts."""

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < HTTP_400_BAD_REQUEST:
                try:
                    async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self.replicas.primary.engine.connect() as db:
                        position = int(await db.scalar(WRITTEN) or 0)
                except Exception as exc:  # committed already: the client reads from the primary for a while
                    logger.warning("write position unknown", extra={"cause": describe_cause(exc)})
                    position = UNKNOWN_POSITION
                await self.marks.record(keys, position)
            await send(message)

        return sending
