"""What Conduit accepts as a request, checked before anything reaches a handler or the database.

A JSON body that cannot be decoded (nested too deeply, not UTF-8) is a 400 instead of a crash, and
no text may carry a NUL character: PostgreSQL cannot store one, so a body field holding one is a
422 naming the field, a path holding one names nothing that exists (404) and a query is a 400.
"""

from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send
from litestar_htmx import HTMXRequest

from conduit.db.models import User
from conduit.lib.auth import signed_in_user
from conduit.lib.exceptions import BadRequestError, InvalidFieldError, NotFoundError
from conduit.lib.validation import field_with_nul


class ConduitRequest(HTMXRequest):
    """Litestar's request (with htmx's additions), decoding JSON bodies defensively, and who is asking."""

    @property
    def viewer(self) -> User | None:
        """Whoever is asking: the signed-in user, or None for an anonymous caller (see ``lib.auth``)."""
        user: User | None = self.scope.get("user")
        return user

    @property
    def current_user(self) -> User:
        """The signed-in user; a route with the ``signed_in_only`` guard always has one.

        Raises:
            AuthenticationError: Nobody is signed in.
        """
        return signed_in_user(self.scope)

    async def json(self) -> Any:
        try:
            data = await super().json()
        except RecursionError:
            msg = "request body is nested too deeply"
            raise BadRequestError(msg) from None
        except UnicodeDecodeError:
            msg = "request body is not valid UTF-8"
            raise BadRequestError(msg) from None
        if (field := field_with_nul(data)) is not None:
            raise InvalidFieldError(field, f"{field} must not contain NUL characters")
        return data


def refuse_nul_in_url(app: ASGIApp) -> ASGIApp:
    """Middleware answering a URL with a NUL character before it is routed to a handler."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if "\x00" in scope.get("path", ""):
            msg = "not found"
            raise NotFoundError(msg)
        if b"%00" in scope.get("query_string", b""):
            msg = "query parameters must not contain NUL characters"
            raise BadRequestError(msg)
        await app(scope, receive, send)

    return middleware
