"""``conduit run``: the application under uvicorn, with the server settings Litestar's own ``run`` cannot pass on.

Litestar's ``run`` starts uvicorn with a host, a port, workers and TLS files only, so uvicorn announces itself in
a ``server`` header, and waits as long as a client likes for the headers of a request: a few hundred clients
trickling header bytes hold as many connections open (slowloris). This command replaces it under the same name
and options, and starts uvicorn without the ``server`` header, with ``KEEP_ALIVE_TIMEOUT_SECONDS`` for idle
connections, with ``REQUEST_HEADER_TIMEOUT_SECONDS`` to receive a request's headers through
``HeaderDeadlineProtocol`` (uvicorn has no such setting), and with at most ``MAX_HEADER_BYTES`` of them.
"""

import asyncio
from functools import cache
from typing import Any

import click
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from conduit.lib.settings import Settings

APP_FACTORY = "conduit.app:create_app"
MAX_HEADER_BYTES = 16 * 1024
"""A request line and headers larger than this are refused (400) and the connection closed."""


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers do not arrive in time.

    The deadline starts when the connection opens and again when a response is done (while the connection waits
    for the next request); it ends when h11 has read a request's headers, that is when a new request cycle starts.
    Its length is ``REQUEST_HEADER_TIMEOUT_SECONDS``, read in each worker process (uvicorn starts workers with the
    protocol's class, not an instance). h11 rather than httptools, because h11 also bounds the size of the headers
    (``MAX_HEADER_BYTES``), where httptools buffers any amount.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_seconds = _header_timeout_seconds()
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:
            self._cancel_header_deadline()

    def on_response_complete(self) -> None:
        self._start_header_deadline()  # before handling a pipelined request, which cancels it again
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def _start_header_deadline(self) -> None:
        self._cancel_header_deadline()
        if not self.transport.is_closing():
            self.header_deadline = self.loop.call_later(self.header_timeout_seconds, self._headers_too_late)

    def _cancel_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_late(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


@cache
def _header_timeout_seconds() -> float:
    return Settings.from_env().request_header_timeout_seconds


@click.command("run")
@click.option("-H", "--host", default="127.0.0.1", show_default=True, envvar="LITESTAR_HOST", help="Listen here.")
@click.option("-p", "--port", type=int, default=8000, show_default=True, envvar="LITESTAR_PORT", help="And here.")
@click.option(
    "-W",
    "--wc",
    "--web-concurrency",
    "workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar=["LITESTAR_WEB_CONCURRENCY", "WEB_CONCURRENCY"],
    help="How many worker processes serve requests.",
)
@click.option("-r", "--reload", is_flag=True, envvar="LITESTAR_RELOAD", help="Restart when the code changes.")
@click.option("-U", "--uds", "--unix-domain-socket", default=None, help="Listen on this UNIX socket instead.")
@click.option("--ssl-certfile", default=None, envvar="LITESTAR_SSL_CERT_PATH", help="Serve HTTPS with this cert.")
@click.option("--ssl-keyfile", default=None, envvar="LITESTAR_SSL_KEY_PATH", help="And this key.")
def run(
    host: str, port: int, workers: int, reload: bool, uds: str | None, ssl_certfile: str | None, ssl_keyfile: str | None
) -> None:
    """Serve Conduit with uvicorn: no server banner, timeouts for slow and idle clients.

    Behind a proxy, set FORWARDED_ALLOW_IPS to its address so that client addresses (which throttling counts by)
    and the scheme come from its X-Forwarded-For and X-Forwarded-Proto headers.
    """
    settings = Settings.from_env()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        uds=uds,
        workers=workers,
        reload=reload,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        http=HeaderDeadlineProtocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
    )
