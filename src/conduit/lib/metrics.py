"""Prometheus metrics, served at ``/metrics``: requests, the database pool, and what people do.

With several worker processes, each keeps its values in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics``
adds them up, whichever worker answers (``conduit run`` prepares that folder before importing this module).
A worker that stops removes its live gauges, so a dead worker's in-flight requests and connections no
longer count.
"""

import os
import time
from collections.abc import Callable, Collection
from typing import Any

from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusController
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter, Gauge, Histogram, multiprocess
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.lib.asgi import SendRecordingStatus

METRICS_PATH = "/metrics"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""Read by ``prometheus_client`` as each metric below is created, on import: ``conduit run`` prepares it before."""
UNMATCHED_ROUTE = "unmatched"
"""The route label of requests for paths that match no route (so that scanners cannot explode the label set)."""
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("conduit_http_requests", "HTTP requests answered.", ["method", "route", "status"])
REQUEST_DURATION = Histogram(
    "conduit_http_request_duration_seconds",
    "Time from receiving a request to the end of its response.",
    ["method", "route", "status"],
)
REQUESTS_IN_PROGRESS = Gauge(
    "conduit_http_requests_in_progress", "HTTP requests being served.", multiprocess_mode="livesum"
)
DB_CONNECTIONS_IN_USE = Gauge(
    "conduit_db_connections_in_use", "Database connections checked out of the pool.", multiprocess_mode="livesum"
)
DB_CONNECTIONS_OPEN = Gauge(
    "conduit_db_connections_open", "Database connections open, in use or idle.", multiprocess_mode="livesum"
)
DB_POOL_LIMIT = Gauge(
    "conduit_db_pool_limit",
    "Most connections the pool may open (pool size plus overflow); 0 without a client-side pool.",
    multiprocess_mode="livesum",
)
DATABASE_READS = Counter("conduit_database_reads", "Read requests, by the database that served them.", ["database"])
DATABASE_UP = Gauge(
    "conduit_database_up", "1 while the database answers, as last checked.", ["database"], multiprocess_mode="livemax"
)
REPLICA_LAG = Gauge(
    "conduit_database_replica_lag_seconds",
    "How far a replica is behind the primary, as last checked.",
    ["database"],
    multiprocess_mode="livemax",
)
SIGNUPS = Counter("conduit_signups", "Accounts registered.")
ARTICLES_PUBLISHED = Counter("conduit_articles_published", "Articles published.")
COMMENTS_POSTED = Counter("conduit_comments_posted", "Comments posted.")
JOB_RUNS = Counter("conduit_job_runs", "Background job runs, by job.", ["job"])
QUEUED_JOBS = Counter(
    "conduit_queued_jobs",
    "Jobs taken from the queue, by kind and outcome (done, retried, failed).",
    ["kind", "outcome"],
)
MAILS_SENT = Counter("conduit_mails_sent", "Mails handed to the mail server (or written to a file), by kind.", ["kind"])


class MetricsController(PrometheusController):
    """``GET /metrics`` in Prometheus' text format, adding up every worker's values in multi-process mode."""

    path = METRICS_PATH
    include_in_schema = False


def request_metrics(app: ASGIApp, *, quiet_paths: Collection[str]) -> ASGIApp:
    """ASGI middleware around the whole application counting and timing requests by route template and status.

    Litestar's ``PrometheusMiddleware`` runs per route and reads the route before routing, so requests for
    unknown paths would go uncounted; this wraps the router instead and reads the route once it is known.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"] in quiet_paths:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        send_recording_status = SendRecordingStatus(send)
        REQUESTS_IN_PROGRESS.inc()
        try:
            await app(scope, receive, send_recording_status)
        finally:
            REQUESTS_IN_PROGRESS.dec()
            method = scope["method"] if scope["method"] in _METHODS else "other"
            labels = (method, scope.get("path_template") or UNMATCHED_ROUTE, str(send_recording_status.status))
            REQUESTS.labels(*labels).inc()
            REQUEST_DURATION.labels(*labels).observe(time.perf_counter() - started)

    return middleware


def watch_pool(engine: AsyncEngine, limit: int) -> None:
    """Keep the connection gauges up to date with ``engine``'s pool (whose capacity is ``limit``).

    The gauges count connection records rather than adding and subtracting per event: while the database
    is down, SQLAlchemy returns to the pool connections whose checkout failed, and a running sum would drift.
    """
    in_use: set[int] = set()
    opened: set[int] = set()

    def track(connections: set[int], gauge: Gauge, *, add: bool) -> Callable[..., None]:
        def listener(_dbapi_connection: Any, record: Any, *_: Any) -> None:
            (connections.add if add else connections.discard)(id(record))
            gauge.set(len(connections))

        return listener

    listeners = {
        "connect": track(opened, DB_CONNECTIONS_OPEN, add=True),
        "close": track(opened, DB_CONNECTIONS_OPEN, add=False),
        "detach": track(opened, DB_CONNECTIONS_OPEN, add=False),
        "checkout": track(in_use, DB_CONNECTIONS_IN_USE, add=True),
        "checkin": track(in_use, DB_CONNECTIONS_IN_USE, add=False),
    }
    for name, listener in listeners.items():
        event.listen(engine.sync_engine, name, listener)
    DB_POOL_LIMIT.set(limit)


def leave_multiprocess_registry() -> None:
    """Drop this process's live gauges from the shared metric files as it stops (no-op in one process)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
