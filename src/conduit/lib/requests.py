"""What Conduit accepts as a request, checked before anything reaches a handler or the database.

A JSON body that cannot be decoded (nested too deeply, not UTF-8) is a 400 instead of a crash, and
no text may carry a NUL character: PostgreSQL cannot store one, so a body field holding one is a
422 naming the field, a path holding one names nothing that exists (404) and a query is a 400.
A request refused before its body was read (too large, no token) still has its body read, up to a bound, so that
the client gets to read the refusal.
"""

from typing import Any

import anyio
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar_htmx import HTMXRequest

from conduit.db.models import User
from conduit.lib.auth import signed_in_viewer
from conduit.lib.exceptions import BadRequestError, InvalidInputError, NotFoundError
from conduit.lib.validation import field_with_nul

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods that change nothing: reads, throttled as reads and served outside a transaction."""


class ConduitRequest(HTMXRequest):
    """Litestar's request (with htmx's additions), decoding JSON bodies defensively, and who is asking."""

    @property
    def viewer(self) -> User | None:
        """Whoever is asking: the signed-in user, or None for an anonymous caller (see ``lib.auth``)."""
        user: User | None = self.scope.get("user")
        return user

    @property
    def signed_in_viewer(self) -> User:
        """The signed-in user; a route with the ``signed_in_only`` guard always has one.

        Raises:
            AuthenticationError: Nobody is signed in.
        """
        return signed_in_viewer(self.scope)

    async def json(self) -> Any:
        try:
            data = await super().json()
        except RecursionError:
            raise BadRequestError("request", "body is nested too deeply") from None
        except UnicodeDecodeError:
            raise BadRequestError("request", "body is not valid UTF-8") from None
        if (field := field_with_nul(data)) is not None:
            raise InvalidInputError(field, "must not contain NUL characters")
        return data


def refuse_nul_in_url(app: ASGIApp) -> ASGIApp:
    """Middleware answering a URL with a NUL character before it is routed to a handler."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if "\x00" in scope.get("path", ""):
            raise NotFoundError("path")
        if b"%00" in scope.get("query_string", b""):
            raise BadRequestError("query", "must not contain NUL characters")
        await app(scope, receive, send)

    return middleware


UNREAD_BODY_LIMIT_BYTES = 64 * 1024 * 1024
UNREAD_BODY_SECONDS = 10.0
"""How much of a refused request's body is read (and thrown away) before the refusal is sent, and for how long."""


def reading_refused_bodies(app: ASGIApp) -> ASGIApp:
    """Middleware that reads what is left of a request's body before its response starts.

    A response sent while the client is still sending (a 413 decided from ``Content-Length``, a 401 before the
    body) is followed by the server closing the connection; unread bytes then make the kernel reset it, and a
    client that reads only once it has sent everything (Python's urllib, curl without ``Expect``) never sees the
    answer. Reading the rest first, as HTTP servers' lingering close does, lets it. Beyond
    ``UNREAD_BODY_LIMIT_BYTES`` or ``UNREAD_BODY_SECONDS`` the rest is left unread.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        body_read = not _has_body(scope)

        async def receiving() -> ReceiveMessage:
            nonlocal body_read
            message = await receive()
            body_read = body_read or message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_read:
                await _read_the_rest(receiving)
            await send(message)

        await app(scope, receiving, sending)

    return middleware


def _has_body(scope: Scope) -> bool:
    """Whether the request sends a body: HTTP/1.1 gives a request without ``Content-Length`` or
    ``Transfer-Encoding`` none (most reads), and one of length 0 is already complete."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


async def _read_the_rest(receive: Receive) -> None:
    read = 0
    with anyio.move_on_after(UNREAD_BODY_SECONDS):
        while read <= UNREAD_BODY_LIMIT_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            read += len(message.get("body", b""))
            if not message.get("more_body", False):
                return
