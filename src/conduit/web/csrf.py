"""CSRF protection for the pages: a token bound to the browser session, and the origin of every form post checked.

Litestar's ``CSRFMiddleware`` compares a signed cookie with the token a form or htmx sends (double submit), but
its token is not tied to the session and it never looks at where a request comes from. This subclass keeps its
cookie, header, form field and template helpers, and adds both:

- the token's signature covers the session id of a signed-in browser (nothing for a visitor), so a token is
  worthless in any other session, and a browser gets a new one as soon as it signs in or out;
- a state-changing request whose ``Origin`` (or, without one, ``Referer``) is not this site, nor one of
  ``CSRF_TRUSTED_ORIGINS``, is refused even with a valid token. A request with neither header (not a browser,
  or a privacy filter) is judged by its token alone.
"""

import hashlib
import hmac
import secrets
from secrets import compare_digest
from typing import Any
from urllib.parse import urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.connection import Request
from litestar.enums import RequestEncodingType, ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from conduit.lib.exceptions import PermissionDeniedError
from conduit.web.browser_sessions import BROWSER_SESSION_COOKIE

NONCE_BYTES = 32
FORM_FIELD = "_csrf_token"
FORM_TYPES = {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware with tokens bound to the session and the request's origin checked."""

    def __init__(self, app: ASGIApp, config: CSRFConfig, trusted_origins: tuple[str, ...], https: bool) -> None:
        """Protect ``app``.

        Args:
            app: The next ASGI app.
            config: Litestar's CSRF configuration (secret, cookie, header).
            trusted_origins: Origins besides the site's own whose forms are accepted.
            https: The site is served over HTTPS (behind a proxy, requests may arrive as plain HTTP): its
                ``https://`` origin is its own too.
        """
        super().__init__(app, config)
        self.trusted_origins = frozenset(origin.rstrip("/") for origin in trusted_origins)
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session = _session_of(request)
        cookie = request.cookies.get(self.config.cookie_name)
        valid_cookie = cookie if cookie is not None and self._signed_for(cookie, session) else None
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            state.csrf_token = token = valid_cookie or self._new_token(session)
            await self.app(scope, receive, self.create_send_wrapper(send=send, csrf_cookie=valid_cookie, token=token))
            return
        if not self._from_this_site(request):
            raise PermissionDeniedError("form", "was sent from another site")
        submitted = request.headers.get(self.config.header_name)
        if not submitted and request.content_type[0] in FORM_TYPES:
            submitted = (await request.form()).get(FORM_FIELD)
        if not (isinstance(submitted, str) and valid_cookie and compare_digest(submitted, valid_cookie)):
            raise PermissionDeniedError("form", "has an invalid or expired CSRF token; reload the page and try again")
        state.csrf_token = submitted
        await self.app(scope, receive, send)

    def _new_token(self, session: str) -> str:
        nonce = secrets.token_hex(NONCE_BYTES)
        return nonce + self._signature(nonce, session)

    def _signed_for(self, token: str, session: str) -> bool:
        nonce, signature = token[: NONCE_BYTES * 2], token[NONCE_BYTES * 2 :]
        return len(nonce) == NONCE_BYTES * 2 and compare_digest(signature, self._signature(nonce, session))

    def _signature(self, nonce: str, session: str) -> str:
        return hmac.new(self.config.secret.encode(), f"{nonce}:{session}".encode(), hashlib.sha256).hexdigest()

    def _from_this_site(self, request: Request[Any, Any, Any]) -> bool:
        """Whether the request's ``Origin`` (or ``Referer``) is this site or a trusted origin; True without either."""
        origin = request.headers.get("origin")
        if origin is None:
            referer = request.headers.get("referer")
            if referer is None:
                return True
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
        host = request.headers.get("host", "")
        own = {f"{request.url.scheme}://{host}", *([f"https://{host}"] if self.https else [])}
        return origin.rstrip("/") in own | self.trusted_origins


def _session_of(request: Request[Any, Any, Any]) -> str:
    """The id of the signed-in session the request belongs to; empty for a visitor."""
    session = request.scope.get("session")
    return request.cookies.get(BROWSER_SESSION_COOKIE, "") if isinstance(session, dict) and session else ""
