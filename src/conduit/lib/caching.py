"""Anonymous reads served from memory, and answered 304 when the client already has them.

Litestar's response cache keeps what the cacheable API reads (a handler with ``cache=True``) answered anonymous
callers, keyed by the **content version** as well as the URL. Every request that writes bumps the version once its
transaction has committed and before its response is sent (``conduit.lib.transactions``), so no reader can outrun
a write: a client that has seen a write's answer reads under the new version, which nothing is cached under yet.
The version a read belongs to is fixed before its handler runs, so a read that raced a write is cached under the
old version, which nobody asks for again.

Where the version lives:

- one process (the default server, or ``RESPONSE_CACHE_SECONDS`` set where several share nothing): in its memory;
- ``REDIS_URL`` set: in Redis, read by each cacheable request and bumped with ``INCR``, so that every instance and
  worker agrees. When Redis cannot be reached the request is answered from the database and nothing is cached.

Writes made outside a request (``conduit`` commands) do not bump it: they show once the entries they outdate
expire, after ``RESPONSE_CACHE_SECONDS``. Signed-in callers are never answered from the cache (their responses
say what they follow and favorite) and keep ``Cache-Control: no-store``.

Validators: each anonymous 200 of the API carries a strong ``ETag`` (a digest of its body),
``Cache-Control: no-cache`` (browsers and proxies may keep it but must ask again) and ``Vary: Authorization``, and a
request whose ``If-None-Match`` names it is answered 304 with no body.
"""

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic
from typing import Any, cast

from litestar import Request
from litestar.config.response_cache import ResponseCacheConfig
from litestar.enums import ScopeType
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.stores.base import Store
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError

from conduit.lib.settings import Settings

RESPONSE_CACHE_STORE = "response_cache"
CACHED_RESPONSES = 2048
"""How many responses each process keeps at most; the least recently used go first."""
VERSION_KEY = "conduit:content-version"
VERSION_STATE = "content_version"
"""Where a request's scope state keeps the content version its read belongs to (None: do not cache)."""
REDIS_TIMEOUT_SECONDS = 0.5
NOT_CACHED = ""
"""The key of a request answered without the cache: nothing is ever stored under it."""

logger = logging.getLogger(__name__)


class ContentVersion:
    """A number that every committed write moves on: in this process, or in Redis when ``redis_url`` is given."""

    def __init__(self, redis_url: str = "") -> None:
        self.local = 0
        self.redis: Redis | None = (
            Redis.from_url(
                redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
            )
            if redis_url
            else None
        )

    async def current(self) -> int | None:
        """The version now; None when Redis holds it and cannot be reached."""
        if self.redis is None:
            return self.local
        try:
            return int(await self.redis.get(VERSION_KEY) or 0)
        except RedisError:
            logger.warning("the content version is unavailable: reads are not cached", exc_info=True)
            return None

    async def bump(self) -> None:
        """Move the version on: what was cached before is not read again."""
        if self.redis is None:
            self.local += 1
            return
        try:
            await self.redis.incr(VERSION_KEY)
        except RedisError:
            logger.warning("the content version was not moved on: cached reads may lag", exc_info=True)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def cache_key(request: Request[Any, Any, Any]) -> str:
    """The response cache's key: the content version, the path and the query, for an anonymous read with a version."""
    return _key_of(request.scope)


def cacheable(scope: HTTPScope, status_code: int) -> bool:
    """Whether a response goes into the cache: a 200 to an anonymous read that has a version."""
    return status_code == HTTP_200_OK and _key_of(scope) != NOT_CACHED


def content_version_of(scope: Scope | HTTPScope) -> int | None:
    """The content version a read was given before its handler ran; None when it may not be cached."""
    version: int | None = scope.get("state", {}).get(VERSION_STATE)
    return version


def _key_of(scope: Scope | HTTPScope) -> str:
    version = content_version_of(scope)
    if version is None or scope.get("user") is not None:
        return NOT_CACHED
    return f"{version}:{scope['path']}?{scope['query_string'].decode('latin-1')}"


def response_cache_config(settings: Settings) -> ResponseCacheConfig:
    """Litestar's response cache, keyed by the content version, kept for ``RESPONSE_CACHE_SECONDS``."""
    return ResponseCacheConfig(
        default_expiration=settings.response_cache_seconds,
        key_builder=cache_key,
        store=RESPONSE_CACHE_STORE,
        cache_response_filter=cacheable,
    )


@dataclass
class _Entry:
    value: bytes
    expires_at: float | None


class BoundedMemoryStore(Store):
    """A store in this process's memory holding at most ``size`` values, the least recently used dropped first
    (Litestar's ``MemoryStore`` keeps whatever it is given until it expires, and any URL makes a new entry)."""

    def __init__(self, size: int = CACHED_RESPONSES) -> None:
        self.size = size
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def _live(self, key: str) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= monotonic():
            del self.entries[key]
            return None
        return entry

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        if isinstance(value, str):
            value = value.encode()
        self.entries[key] = _Entry(value, None if expires_in is None else monotonic() + _seconds(expires_in))
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        entry = self._live(key)
        if entry is None:
            return None
        self.entries.move_to_end(key)
        if renew_for is not None and entry.expires_at is not None:
            entry.expires_at = monotonic() + _seconds(renew_for)
        return entry.value

    async def delete(self, key: str) -> None:
        self.entries.pop(key, None)

    async def delete_all(self) -> None:
        self.entries.clear()

    async def exists(self, key: str) -> bool:
        return self._live(key) is not None

    async def expires_in(self, key: str) -> int | None:
        entry = self._live(key)
        if entry is None or entry.expires_at is None:
            return None
        return int(entry.expires_at - monotonic())


def _seconds(duration: int | timedelta) -> float:
    return duration.total_seconds() if isinstance(duration, timedelta) else duration


def validators(app: ASGIApp) -> ASGIApp:
    """ASGI middleware giving each anonymous GET answered 200 an ``ETag`` and ``Cache-Control: no-cache``, and
    answering 304 when the request's ``If-None-Match`` names that ETag."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def validating(message: Message) -> None:
            nonlocal start
            event = cast("dict[str, Any]", message)
            if event["type"] == "http.response.start":
                if event["status"] == HTTP_200_OK and scope.get("user") is None:
                    start = event  # held until the body is known
                    return
            elif start is not None and event["type"] == "http.response.body":
                chunks.append(event.get("body", b""))
                if not event.get("more_body"):
                    await send_validated(start, b"".join(chunks))
                return
            await send(message)

        async def send_validated(start: dict[str, Any], body: bytes) -> None:
            etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
            unchanged = etag in _named(scope)
            headers = [
                (name, value)
                for name, value in start.get("headers", [])
                if not (unchanged and bytes(name).lower() == b"content-length")
            ]
            headers += [(b"etag", etag.encode()), (b"vary", b"authorization")]  # a signed-in caller gets other answers
            if all(bytes(name).lower() != b"cache-control" for name, _ in headers):
                headers.append((b"cache-control", b"no-cache"))
            status = HTTP_304_NOT_MODIFIED if unchanged else start["status"]
            await send(cast("Message", {**start, "status": status, "headers": headers}))
            await send({"type": "http.response.body", "body": b"" if unchanged else body, "more_body": False})

        await app(scope, receive, validating)

    return middleware


def _named(scope: Scope) -> list[str]:
    """The entity tags a request's ``If-None-Match`` names (weak ones as strong: a GET compares them weakly)."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return [tag.strip().removeprefix("W/") for tag in value.decode("latin-1").split(",")]
    return []
