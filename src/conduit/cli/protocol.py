"""The HTTP protocol ``conduit run`` serves with: uvicorn's h11, with a deadline for a request's headers.

uvicorn waits as long as a client likes for the headers of a request, so a few hundred clients trickling header
bytes would hold as many connections open (slowloris); it has no setting for this, hence this protocol.
"""

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from conduit.lib.settings import Settings

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
