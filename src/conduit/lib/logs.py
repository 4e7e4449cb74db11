"""Structured logs: one event per line, JSON in production and readable in development.

Every line written while a request is served carries that request's id: the client's ``X-Request-ID``
when it sent a usable one, a new id otherwise, and the response returns it in the same header. One
access line per request names the method, path, route, status, duration and the signed-in user;
bodies are never logged (they hold passwords). Conduit's modules log through the standard library,
their fields given as ``extra`` (so the command line, which imports them, need not import structlog);
structlog renders every line, Conduit's, Granian's and SQLAlchemy's alike.
"""

import logging
import re
import sys
import time
import uuid
from collections.abc import Collection

import structlog
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig, StructlogEventFilter, StructLoggingConfig
from litestar.plugins.structlog import StructlogConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from structlog.typing import Processor

from conduit.lib.asgi import SendRecordingStatus
from conduit.lib.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_USABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/@-]{1,128}")
"""What a client may choose as its request id: short, printable, no spaces (nothing to forge a log line with)."""

access_logger = logging.getLogger("conduit.access")
SECRET_PATH_PARAMETER = "token"  # noqa: S105  # a parameter's name, not a secret
"""A path parameter whose value is a credential, kept out of the access log."""

without_locals = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)
"""Tracebacks as JSON without the frames' local variables (``dict_tracebacks`` shows them: passwords, tokens)."""


def structlog_config(settings: Settings) -> StructlogConfig:
    """Structlog for Conduit's own lines and the standard library's, rendered as ``LOG_FORMAT`` says.

    Litestar's request logging middleware is off: ``request_log`` writes one line per request instead of two,
    with the duration and the user. Lines are formatted and written in the thread that logs them, so that
    the request id (a context variable) is still there when the line is rendered.
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: list[Processor] = (
        [without_locals, structlog.processors.JSONRenderer()]
        if settings.log_format == "json"
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    formatter = {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": [*shared, structlog.stdlib.ExtraAdder(), StructlogEventFilter(["color_message"])],
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    }
    handler = {"class": "logging.StreamHandler", "formatter": "standard", "stream": "ext://sys.stderr"}
    quiet = {"level": "WARNING", "handlers": ["console"], "propagate": False}
    return StructlogConfig(
        structlog_logging_config=StructLoggingConfig(
            processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            log_exceptions="never",  # the error mapping logs each failure once
            standard_lib_logging_config=LoggingConfig(
                formatters={"standard": formatter},
                handlers={"console": handler},
                root={"level": settings.log_level, "handlers": ["console"]},
                loggers={
                    "litestar": {"level": settings.log_level, "handlers": ["console"], "propagate": False},
                    "aiosqlite": quiet,
                    "alembic.runtime.plugins": quiet,  # a line per plugin whenever Alembic is loaded
                },
                log_exceptions="never",
            ),
        ),
        enable_middleware_logging=False,
    )


def configure_logging(settings: Settings) -> None:
    """Set logging up as an app would, in a process that builds none (``conduit run`` supervising workers)."""
    config = structlog_config(settings).structlog_logging_config
    config.configure()
    if config.standard_lib_logging_config is not None:
        config.standard_lib_logging_config.configure()


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's ``X-Request-ID`` when it is usable, else a new one."""
    for name, value in scope.get("headers", ()):
        if name.lower() == REQUEST_ID_HEADER.encode():
            presented = value.decode("latin-1")
            if _USABLE_REQUEST_ID.fullmatch(presented):
                return presented
            break
    return uuid.uuid4().hex


def request_log(app: ASGIApp, *, quiet_paths: Collection[str]) -> ASGIApp:
    """ASGI middleware around the whole application: request ids and the access line.

    It wraps the router itself, not the routes (where Litestar's middleware sits), so that requests for
    paths that match no route get a request id and an access line too. ``quiet_paths`` (health checks,
    metrics) get their request id but no access line.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        path = scope["path"]
        started = time.perf_counter()
        send_with_id = SendRecordingStatus(send, [(REQUEST_ID_HEADER.encode(), request_id.encode())])
        with structlog.contextvars.bound_contextvars(request_id=request_id, user_id=None):
            try:
                await app(scope, receive, send_with_id)
            finally:
                if path not in quiet_paths:
                    access = {
                        "method": scope["method"],
                        "path": _without_secrets(path, scope),
                        "route": scope.get("path_template"),
                        "status": send_with_id.status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": (scope.get("client") or ("",))[0],
                    }
                    access_logger.info("request", extra=access)

    return middleware


def _without_secrets(path: str, scope: Scope) -> str:
    """``path`` with the value of a ``token`` path parameter (a private feed's address) left out."""
    secret = (scope.get("path_params") or {}).get(SECRET_PATH_PARAMETER)
    return path.replace(secret, "[secret]") if isinstance(secret, str) and secret else path


def identify(user_id: object) -> None:
    """Name the signed-in user on every further line of the request being served, its access line included."""
    structlog.contextvars.bind_contextvars(user_id=str(user_id))
