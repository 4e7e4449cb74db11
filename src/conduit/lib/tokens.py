"""JSON Web Tokens carried in ``Authorization: Token <jwt>`` (``Bearer`` is accepted too)."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from conduit.lib.settings import Settings

ALGORITHM = "HS256"
SCHEMES = ("token", "bearer")


class InvalidTokenError(Exception):
    """The token is malformed, expired or not signed by us."""


def issue_token(user_id: UUID, settings: Settings) -> str:
    """Sign a token that identifies ``user_id`` until the configured lifetime runs out."""
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(seconds=settings.token_ttl_seconds)}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def read_token(token: str, settings: Settings) -> UUID:
    """Return the user id a valid token identifies.

    Raises:
        InvalidTokenError: The token cannot be trusted.
    """
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
        return UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidTokenError(str(exc)) from exc


def token_from_header(authorization: str | None) -> str | None:
    """Extract the token from an ``Authorization`` header value, or None when there is none.

    Raises:
        InvalidTokenError: The header is present but not ``Token <jwt>`` or ``Bearer <jwt>``.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in SCHEMES or not token:
        msg = "Authorization header must be 'Token <jwt>'"
        raise InvalidTokenError(msg)
    return token
