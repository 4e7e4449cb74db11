"""Throttling: how often one client address, and for sign-in one account, may try, counted where every process sees it.

Counters are fixed windows of the ``limits`` library (the one behind Flask-Limiter and SlowAPI): in Redis when
``REDIS_URL`` is set, where an increment and its expiry are one atomic script so that every process and machine
shares the count, and otherwise in this process's memory. Litestar's ``RateLimitMiddleware`` is not used: it sends
no ``Retry-After``, reads and rewrites its store in two steps (not atomic across processes), keeps one counter per
client for every route, and cannot count by account.

What is counted: every write (POST, PUT, PATCH, DELETE) and, when configured, every read, per client address;
registrations per address; password reset asks per address and per email typed in; failed sign-ins per account and
per address (each attempt counted before its password is checked, and given back when it succeeds). A client over a
limit is answered 429 with ``Retry-After`` before anything else happens; a sign-in over its limit is refused even with
the right password.
"""

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import BlockingConnectionPool

from conduit.lib.exceptions import AuthenticationError, ServiceUnavailableError, TooManyAttemptsError
from conduit.lib.health import LIVENESS_PATH, READINESS_PATH
from conduit.lib.metrics import METRICS_PATH
from conduit.lib.requests import SAFE_METHODS
from conduit.lib.settings import Settings

logger = logging.getLogger("conduit")

REDIS_CONNECTIONS = 20
"""Redis connections per process; a request waits up to ``REDIS_WAIT_SECONDS`` for one instead of failing."""
REDIS_WAIT_SECONDS = 5


@dataclass(frozen=True)
class Rule:
    """One limit: at most ``limit`` hits per ``window_seconds`` for each key (``limit`` 0: no limit); a hit beyond it
    is refused with ``refusal`` about ``subject``."""

    name: str
    limit: int
    window_seconds: int
    subject: str
    refusal: str

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.limit, self.window_seconds, namespace=self.name)


class Throttle:
    """Conduit's limits and the shared counters behind them; one per application."""

    def __init__(self, settings: Settings) -> None:
        self.pool: BlockingConnectionPool | None = None
        storage: Storage
        if settings.redis_url:
            self.pool = BlockingConnectionPool.from_url(
                settings.redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS
            )
            storage = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix="conduit",
                wrap_exceptions=True,
                connection_pool=self.pool,  # type: ignore[arg-type]  # passed on to redis-py, which takes a pool
            )
        else:
            storage = MemoryStorage(wrap_exceptions=True)
        self.limiter = FixedWindowRateLimiter(storage)
        sign_in_window = settings.sign_in_window_seconds
        self.account_sign_ins = Rule(
            "sign-in-account",
            settings.sign_in_failures_per_account,
            sign_in_window,
            "credentials",
            "failed too often for this account",
        )
        self.address_sign_ins = Rule(
            "sign-in-address",
            settings.sign_in_failures_per_address,
            sign_in_window,
            "credentials",
            "failed too often from your address",
        )
        self.registrations = Rule(
            "registration", settings.registrations_per_hour, 3600, "registrations", "are too many from your address"
        )
        self.account_password_resets = Rule(
            "password-reset-account",
            settings.password_resets_per_account,
            3600,
            "email",
            "was asked for too many reset links",
        )
        self.address_password_resets = Rule(
            "password-reset-address",
            settings.password_resets_per_address,
            3600,
            "requests",
            "for reset links are too many from your address",
        )
        self.writes = Rule("write", settings.writes_per_minute, 60, "requests", "are too many from your address")
        self.reads = Rule("read", settings.reads_per_minute, 60, "requests", "are too many from your address")

    async def hit(self, rule: Rule, key: str) -> None:
        """Count one hit of ``rule`` for ``key``.

        Raises:
            TooManyAttemptsError: ``key`` has used up the rule's limit in the current window.
            ServiceUnavailableError: The counters cannot be reached.
        """
        if rule.limit and not await self._call(self.limiter.hit, rule.item, key):
            raise await self._refusal(rule, key)

    @asynccontextmanager
    async def sign_in(self, address: str, email: str) -> AsyncIterator[None]:
        """Around one sign-in attempt: counted as a failure of the account and of the address before the password
        is checked, and given back unless the attempt raises ``AuthenticationError``.

        Counting first is what holds under concurrency: of many attempts at once, only as many as the limit
        leaves get to check a password, where checking the counters first and counting afterwards would let
        them all through.

        Raises:
            TooManyAttemptsError: Too many failures for this account or from this address in the window.
        """
        account = email.strip().lower()
        await self.hit(self.account_sign_ins, account)
        try:
            await self.hit(self.address_sign_ins, address)
        except TooManyAttemptsError:
            await self._give_back(self.account_sign_ins, account)
            raise
        failed = False
        try:
            yield
        except AuthenticationError:
            failed = True
            raise
        finally:
            if not failed:
                await self._give_back(self.account_sign_ins, account)
                await self._give_back(self.address_sign_ins, address)

    async def password_reset(self, address: str, email: str) -> None:
        """Count one ask for a password reset link, from ``address`` for ``email`` (whether or not an account has it).

        Raises:
            TooManyAttemptsError: Too many asks from this address, or for this email, in the last hour.
        """
        await self.hit(self.address_password_resets, address)
        await self.hit(self.account_password_resets, email.strip().lower())

    async def close(self) -> None:
        """Let go of the Redis connections (when there are any)."""
        if self.pool is not None:
            await self.pool.aclose()

    @property
    def middleware(self) -> "RequestThrottleMiddleware":
        """The middleware that counts every request against the reads and writes limits of its address."""
        return RequestThrottleMiddleware(self)

    async def _give_back(self, rule: Rule, key: str) -> None:
        """Take back one hit of ``rule`` for ``key``: an increment by -1, which both storages do atomically (when the
        window ended in between, the new window starts at -1, one more attempt at most)."""
        if rule.limit:
            item = rule.item
            await self._call(self.limiter.storage.incr, item.key_for(key), item.get_expiry(), -1)

    async def _refusal(self, rule: Rule, key: str) -> TooManyAttemptsError:
        stats = await self._call(self.limiter.get_window_stats, rule.item, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        message = f"{rule.refusal}; try again in {retry_after} seconds"
        return TooManyAttemptsError(rule.subject, message, retry_after=retry_after)

    @staticmethod
    async def _call(operation: Any, *arguments: Any) -> Any:
        try:
            return await operation(*arguments)
        except StorageError as exc:
            logger.warning("throttling counters unavailable: %s", exc.storage_error)
            raise ServiceUnavailableError("service") from None


UNCOUNTED_PATHS = frozenset({LIVENESS_PATH, READINESS_PATH, METRICS_PATH})


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The address a request came from (behind a proxy, the one it forwarded: see ``FORWARDED_ALLOW_IPS``)."""
    return connection.client.host if connection.client else "unknown"


class RequestThrottleMiddleware(ASGIMiddleware):
    """Counts each request against its address's writes or reads limit; static files and the checks of load
    balancers and Prometheus are not counted."""

    scopes = (ScopeType.HTTP,)

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:
        return scope["path"].startswith("/static/") or scope["path"] in UNCOUNTED_PATHS

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        rule = self.throttle.reads if scope.get("method") in SAFE_METHODS else self.throttle.writes
        client = scope.get("client")
        await self.throttle.hit(rule, client[0] if client else "unknown")
        await next_app(scope, receive, send)
