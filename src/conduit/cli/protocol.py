"""The HTTP protocol ``conduit run`` serves with: uvicorn's httptools, with a deadline and a size limit for headers.

uvicorn waits as long as a client likes for the headers of a request, so a few hundred clients trickling header
bytes would hold as many connections open (slowloris); it has no setting for this, hence this protocol. Its
httptools protocol also buffers headers of any size, so this one counts what arrives before a request's headers
are complete and refuses a request whose headers exceed ``MAX_HEADER_BYTES``.

httptools rather than h11: h11 bounds the size of the headers itself, but parses and writes every message in Python,
which was 11% of a favorite's CPU against 5% for httptools (README, "What a request costs").
"""

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from conduit.lib.settings import Settings

MAX_HEADER_BYTES = 16 * 1024
"""A request line and headers larger than this are refused (400) and the connection closed."""


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers are too slow or too large.

    The deadline starts when the connection opens and again when a response is done (unless the next request's
    headers have already been read); it ends when a request's headers are complete. Its length is
    ``REQUEST_HEADER_TIMEOUT_SECONDS``, read in each worker process (uvicorn starts workers with the protocol's
    class, not an instance).

    The size is checked twice. Headers that arrive whole are measured as httptools hands them over (the request
    target, each name and value) and refused, with uvicorn's 400, when they exceed ``MAX_HEADER_BYTES``.
    Headers still incomplete are bounded by the bytes received since they began: a chunk that also finished the
    previous request is not counted (it may hold that request's body), so what is buffered stays below
    ``MAX_HEADER_BYTES`` plus one read of the transport.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_seconds = _header_timeout_seconds()
        self.header_deadline: asyncio.TimerHandle | None = None
        self.awaiting_headers = True
        self.header_bytes = 0
        self.message_completed = False
        self.header_size = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def data_received(self, data: bytes) -> None:
        self.message_completed = False
        super().data_received(data)
        if not self.awaiting_headers or self.message_completed:
            return
        self.header_bytes += len(data)
        if self.header_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
            self.send_400_response("Request headers too large.")

    def on_message_begin(self) -> None:
        self.header_size = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self.header_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_size += len(name) + len(value)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.header_size > MAX_HEADER_BYTES:
            msg = "request headers too large"
            raise ValueError(msg)  # httptools stops parsing; uvicorn answers 400 and closes the connection
        self._cancel_header_deadline()
        self.awaiting_headers = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.awaiting_headers, self.header_bytes, self.message_completed = True, 0, True
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if not self.pipeline:  # a queued request's headers are complete
            self._start_header_deadline()
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
