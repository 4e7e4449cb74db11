"""Health checks for load balancers and orchestrators.

``GET /healthz`` (liveness) answers as long as the process serves HTTP and touches nothing else: a
failing database must not get healthy processes restarted. ``GET /readyz`` (readiness) also checks
the database, and Redis when ``REDIS_URL`` is set, and answers 503 while any of them fails, so that
traffic goes to other instances until this one can serve it. With replicas it reports each of them too, and
answers 200 ``read-only`` while the primary fails and a replica answers: reads are served, writes get 503. Both
stay out of the OpenAPI schema, the access log, browser sessions and CSRF checks.
"""

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.lib.database import describe_cause
from conduit.lib.exceptions import RETRY_AFTER_SECONDS

if TYPE_CHECKING:
    from conduit.lib.replicas import Replicas

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
CHECK_TIMEOUT_SECONDS = 2.0
"""How long readiness waits for each dependency before calling it unavailable."""

logger = logging.getLogger("conduit.health")


class Readiness:
    """Whether the database (and Redis, when configured) answer right now."""

    def __init__(self, engine: AsyncEngine, redis_url: str = "", replicas: "Replicas | None" = None) -> None:
        self.engine = engine
        self.replicas = replicas
        self.redis: Any = None
        if redis_url:
            from redis.asyncio import Redis  # only instances configured with Redis pay for importing it

            self.redis = Redis.from_url(
                redis_url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
            )

    async def check(self) -> dict[str, str]:
        """Each dependency's state, ``ok`` or ``unavailable``; each failure logs one line with its cause."""
        checks = {"database": self._database(self.engine)}
        for replica in self.replicas.replicas if self.replicas else ():
            checks[replica.name] = self._database(replica.engine)
        if self.redis is not None:
            checks["redis"] = self._redis()
        results = await asyncio.gather(*checks.values(), return_exceptions=True)
        states = {}
        for name, result in zip(checks, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("not ready", extra={"dependency": name, "cause": describe_cause(result)})
            states[name] = "unavailable" if isinstance(result, BaseException) else "ok"
        return states

    async def close(self) -> None:
        """Close the Redis connections, if any."""
        if self.redis is not None:
            await self.redis.aclose()

    async def _database(self, engine: AsyncEngine) -> None:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _redis(self) -> None:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await self.redis.ping()


class HealthController(Controller):
    """Liveness and readiness, outside the API and the pages."""

    include_in_schema = False

    @get(LIVENESS_PATH, sync_to_thread=False)
    def live(self) -> dict[str, str]:
        """The process is up and serving HTTP."""
        return {"status": "ok"}

    @get(READINESS_PATH)
    async def ready(self, readiness: NamedDependency[Readiness]) -> Response[dict[str, Any]]:
        """The process can serve requests: 200, or 503 with ``Retry-After`` naming what is unavailable."""
        checks = await readiness.check()
        if all(state == "ok" for state in checks.values()):
            return Response({"status": "ready", "checks": checks}, status_code=HTTP_200_OK)
        replicas = [state for name, state in checks.items() if name.startswith("replica-")]
        if checks.get("redis", "ok") == "ok" and (checks["database"] == "ok" or "ok" in replicas):
            status = "ready" if checks["database"] == "ok" else "read-only"
            return Response({"status": status, "checks": checks}, status_code=HTTP_200_OK)
        return Response(
            {"status": "unavailable", "checks": checks},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
