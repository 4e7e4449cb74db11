"""Who is asking: the API's ``Authorization: Token <jwt>`` and the pages' browser session.

Both set ``request.user`` to the signed-in ``User``, or to ``None`` for an anonymous caller, which
handlers read as ``request.viewer`` (``User | None``) or ``request.signed_in_viewer`` (a ``User``) on
``lib.requests.ConduitRequest``. A route only a signed-in caller may use has the ``signed_in_only``
guard, which answers 401 to anyone else before its body is read or its dependencies are resolved.
The token side is Litestar's ``JWTAuth`` with one change:
RealWorld lets anonymous callers read, so a request without the header is let through as
anonymous instead of refused, while a header that is present must hold a valid token.

Both can be ended from elsewhere: a token carries the account's token version and a session the
account's session version, and either is refused once the account's version has moved on (see
``conduit.users.deps``, which looks the account up, and ``conduit.web.browser_sessions``).
"""

import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from litestar.types import ASGIApp, Scope

from conduit.db.models import User
from conduit.lib.exceptions import AuthenticationError
from conduit.lib.logs import identify

SCHEMES = ("token", "bearer")
INVALID_TOKEN = "is invalid or expired"  # noqa: S105  # a message, not a secret
MISSING_TOKEN = "is missing"  # noqa: S105  # a message, not a secret
TOKEN_VERSION = "ver"  # noqa: S105  # a claim's name, not a secret
"""The claim holding the account's ``token_version`` when the token was issued; a token whose version is behind
the account's was revoked (by a new password, a sign-out everywhere or an administrator)."""
SESSION_VERSION = "session_version"
"""The browser-session key holding the account's ``session_version`` at sign-in (``conduit.web.browser_sessions``)."""
RetrieveUserHandler = Callable[[Any, ASGIConnection[Any, Any, Any, Any]], Awaitable[User | None]]


DECODED_TOKENS = 4096
"""How many verified tokens each process remembers, so that a client's every request does not verify its token's
signature and parse its claims again (expiry is still checked on every request, and revocation by the account
lookup)."""


@functools.lru_cache(maxsize=DECODED_TOKENS)
def _verified(
    encoded_token: str,
    secret: str,
    algorithm: str,
    audience: str | tuple[str, ...] | None,
    issuer: str | tuple[str, ...] | None,
    require_claims: str | tuple[str, ...] | None,
    verify_exp: bool,
    verify_nbf: bool,
    strict_audience: bool,
) -> Token:
    """``Token.decode`` (the class ``Tokens`` configures) with these options, once per process for each token."""
    return Token.decode(
        encoded_token=encoded_token,
        secret=secret,
        algorithm=algorithm,
        audience=audience,
        issuer=issuer,
        require_claims=require_claims,
        verify_exp=verify_exp,
        verify_nbf=verify_nbf,
        strict_audience=strict_audience,
    )


def _frozen(values: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    return values if values is None or isinstance(values, str) else tuple(values)


class OptionalTokenMiddleware(JWTAuthenticationMiddleware):
    """``JWTAuth``'s middleware, letting requests without an ``Authorization`` header through as anonymous.

    Litestar builds one per route; the verified tokens they remember are the process's (``_verified``).
    """

    async def authenticate_token(
        self, encoded_token: str, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """``JWTAuthenticationMiddleware.authenticate_token`` with each token verified once (see ``DECODED_TOKENS``).

        Raises:
            NotAuthorizedException: The token is invalid or expired, or names no active account (or was revoked).
        """
        token = _verified(
            encoded_token,
            self.token_secret,
            self.algorithm,
            _frozen(self.token_audience),
            _frozen(self.token_issuer),
            _frozen(self.require_claims),
            self.verify_expiry,
            self.verify_not_before,
            self.strict_audience,
        )
        if token.exp <= datetime.now(UTC):
            raise NotAuthorizedException
        user = await self.retrieve_user_handler(token, connection)
        if not user or (self.revoked_token_handler and await self.revoked_token_handler(token, connection)):
            raise NotAuthorizedException
        return AuthenticationResult(user=user, auth=token)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get(self.auth_header, "").strip()
        if not header:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in SCHEMES or not token.strip():
            raise AuthenticationError("token", "must be sent as 'Token <jwt>' (or 'Bearer <jwt>')")
        try:
            result = await self.authenticate_token(token.strip(), connection)
        except NotAuthorizedException:
            raise AuthenticationError("token", INVALID_TOKEN) from None
        identify(result.user.id)
        return result


class Tokens:
    """The API's tokens: HS256 JWTs signed with the secret key, checked by Litestar's ``JWTAuth`` middleware."""

    def __init__(self, secret: str, ttl_seconds: int, retrieve_user: RetrieveUserHandler) -> None:
        self.auth = JWTAuth[User, Token](
            retrieve_user_handler=retrieve_user,
            token_secret=secret,
            algorithm="HS256",
            default_token_expiration=timedelta(seconds=ttl_seconds),
            authentication_middleware_class=OptionalTokenMiddleware,
        )

    @property
    def middleware(self) -> DefineMiddleware:
        """The middleware that sets ``request.user`` from the ``Authorization`` header."""
        return self.auth.middleware

    def issue(self, user: User) -> str:
        """A token naming ``user`` and their current token version, valid for the configured lifetime."""
        return self.auth.create_token(identifier=str(user.id), token_extras={TOKEN_VERSION: user.token_version})


class BrowserSessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` from the browser session; a session naming no active account, or one ended from
    elsewhere (its session version is behind the account's), is forgotten and its row deleted."""

    def __init__(
        self,
        app: ASGIApp,
        retrieve_user: RetrieveUserHandler,
    ) -> None:
        super().__init__(app=app, exclude_http_methods=[])
        self.retrieve_user = retrieve_user

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        session = connection.session
        if not session.get("user_id"):
            return AuthenticationResult(user=None, auth=None)
        user = await self.retrieve_user(session, connection)
        if user is None:
            connection.clear_session()
        else:
            identify(user.id)
        return AuthenticationResult(user=user, auth=session if user else None)


def signed_in_viewer(scope: Scope) -> User:
    """The signed-in user of the request ``scope`` belongs to.

    Raises:
        AuthenticationError: Nobody is signed in (the API answers 401; pages send the browser to sign in).
    """
    user: User | None = scope.get("user")
    if user is None:
        raise AuthenticationError("token", MISSING_TOKEN)
    return user


async def signed_in_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The guard of a route only a signed-in caller may use (a coroutine, though it never waits: Litestar runs a
    plain function guard on a worker thread).

    Raises:
        AuthenticationError: Nobody is signed in.
    """
    signed_in_viewer(connection.scope)
