"""Domain errors, and the one place where any exception is named: a status, messages for the client, a log line.

Every error leaves as ``{"errors": {"body": ["..."]}}`` (or, for pages, an error page built from the
same ``Problem``). Expected failures (the database unreachable or busy, a client's bad input) log one
line without a traceback; anything unforeseen is a 500 logged once with its traceback.
"""

import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from advanced_alchemy.exceptions import AdvancedAlchemyError
from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from conduit.lib.validation import describe_validation_error

logger = logging.getLogger("conduit")

RETRY_AFTER_SECONDS = 1
UNAVAILABLE = "the database is busy; please retry"
INTERNAL = "internal server error"
TRANSIENT_SQLSTATES = {
    "40001",  # serialization failure
    "40P01",  # deadlock detected
    "55P03",  # lock not available
    "57014",  # statement timeout or cancelled
    "57P01",  # admin shutdown
    "57P02",  # crash shutdown
    "57P03",  # cannot connect now (starting up, shutting down)
    "53300",  # too many connections
    "08000",
    "08001",
    "08003",
    "08004",
    "08006",  # connection failures
}
"""PostgreSQL error classes that mean "not now", not "never": a retry can succeed."""
_POSTGRES_KEY = re.compile(r"Key \((?:lower\()?(?:canonical_)?(?P<column>\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: \w+\.(?:canonical_)?(?P<column>\w+)")
"""The column a unique constraint names; a ``canonical_`` column (``canonical_username``) speaks for its field."""


class ConduitError(Exception):
    """A request the domain refuses; ``messages`` are shown to the client as they are."""

    status_code: int = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)

    @property
    def headers(self) -> dict[str, str]:
        """Response headers that go with the refusal."""
        return {"WWW-Authenticate": "Token"} if self.status_code == HTTP_401_UNAUTHORIZED else {}


class BadRequestError(ConduitError):
    """The request cannot be read at all (a body that is not JSON, not UTF-8, or nested too deeply)."""

    status_code = HTTP_400_BAD_REQUEST


class InvalidInputError(ConduitError):
    """The input breaks a rule of the domain (a taken username, a blank title)."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY


class InvalidFieldError(InvalidInputError):
    """One field, named by ``field`` (``""`` for the input as a whole), is missing or invalid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AuthenticationError(ConduitError):
    """No valid credentials were presented."""

    status_code = HTTP_401_UNAUTHORIZED


class PermissionDeniedError(ConduitError):
    """The caller is known but may not do this."""

    status_code = HTTP_403_FORBIDDEN


class NotFoundError(ConduitError):
    """The article, profile or comment does not exist."""

    status_code = HTTP_404_NOT_FOUND


Found = TypeVar("Found")


def found(value: Found | None, what: str) -> Found:
    """``value``, what looking up ``what`` (``"article 'slug'"``) gave; ``None`` raises ``NotFoundError``."""
    if value is None:
        msg = f"{what} not found"
        raise NotFoundError(msg)
    return value


class TooManyAttemptsError(ConduitError):
    """The client has tried too often; it may try again after ``retry_after`` seconds."""

    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailableError(ConduitError):
    """Something the request needs (besides the database) cannot be reached right now; retrying may succeed."""

    status_code = HTTP_503_SERVICE_UNAVAILABLE

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


class CommitFailedError(Exception):
    """COMMIT failed, so nothing the request changed was saved; the cause is chained."""


@dataclass(frozen=True)
class Problem:
    """What an exception means for the client: a status, messages, and headers such as ``Retry-After``."""

    status_code: int
    messages: list[str]
    headers: dict[str, str] = field(default_factory=dict)


def problem_for(exc: BaseException) -> Problem:
    """Name ``exc`` for the client, logging it the way its kind deserves.

    Args:
        exc: Whatever a request raised.

    Returns:
        The status, messages and headers the client gets.
    """
    if isinstance(exc, ConduitError):
        return Problem(exc.status_code, exc.messages, exc.headers)
    if database_unavailable(exc):
        logger.warning("database unavailable", extra={"cause": describe_cause(exc)})
        return Problem(HTTP_503_SERVICE_UNAVAILABLE, [UNAVAILABLE], {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, CommitFailedError):
        logger.error("COMMIT failed, nothing was saved", extra={"cause": describe_cause(exc)})
        return Problem(HTTP_500_INTERNAL_SERVER_ERROR, [INTERNAL])
    if (field := taken_field(exc)) is not None:
        return Problem(HTTP_422_UNPROCESSABLE_ENTITY, [f"{field} has already been taken"])
    if refers_to_deleted_row(exc):
        return Problem(HTTP_404_NOT_FOUND, ["not found"])
    if isinstance(exc, ValidationException):
        return Problem(HTTP_422_UNPROCESSABLE_ENTITY, _validation_messages(exc))
    if isinstance(exc, NotAuthorizedException):
        return Problem(HTTP_401_UNAUTHORIZED, [exc.detail], {"WWW-Authenticate": "Token"})
    if isinstance(exc, TooManyRequestsException):
        retry_after = (exc.headers or {}).get("Retry-After", str(RETRY_AFTER_SECONDS))
        return Problem(HTTP_429_TOO_MANY_REQUESTS, [exc.detail], {**(exc.headers or {}), "Retry-After": retry_after})
    if isinstance(exc, HTTPException) and exc.status_code < HTTP_500_INTERNAL_SERVER_ERROR:
        return Problem(exc.status_code, [exc.detail], dict(exc.headers or {}))
    if isinstance(exc, RepositoryNotFoundError):
        return Problem(HTTP_404_NOT_FOUND, ["not found"])
    logger.error("request failed", extra={"error": _first_line(exc)}, exc_info=exc)
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, [INTERNAL])


def error_response(problem: Problem) -> Response[Any]:
    """The RealWorld error body for ``problem``: ``{"errors": {"body": [...]}}``."""
    return Response({"errors": {"body": problem.messages}}, status_code=problem.status_code, headers=problem.headers)


def api_error(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The exception handler for the JSON API."""
    return error_response(problem_for(exc))


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve us right now (a retry may succeed)."""
    for error in _chain(exc):
        if isinstance(error, PoolTimeoutError | ConnectionError | TimeoutError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if getattr(error, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            return True
        if isinstance(error, sqlite3.OperationalError) and str(error).startswith(
            ("database is locked", "database table is locked", "database is busy", "disk I/O error")
        ):
            return True
        if type(error).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and "closed" in str(error):
            return True
    return False


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a unique constraint refusing a duplicate (a race another request won)."""
    return taken_field(exc) is not None


def taken_field(exc: BaseException) -> str | None:
    """The column a unique constraint refused a duplicate for (``username``), or None for other errors.

    Checks before writes name a taken username or email; when two requests race past the check, the
    database's unique index decides, and this names the field all the same.
    """
    for error in _chain(exc):
        if getattr(error, "sqlstate", None) == "23505":
            detail = getattr(error, "detail", None) or ""
            match = _POSTGRES_KEY.match(detail)
            return match["column"] if match else "value"
        if isinstance(error, sqlite3.IntegrityError) and (match := _SQLITE_UNIQUE.match(str(error))):
            return match["column"]
    return None


def refers_to_deleted_row(exc: BaseException) -> bool:
    """Whether ``exc`` is a foreign key refusing a row whose parent (an article, a user) was just deleted."""
    for error in _chain(exc):
        if getattr(error, "sqlstate", None) == "23503":
            return True
        if isinstance(error, sqlite3.IntegrityError) and str(error).startswith("FOREIGN KEY constraint failed"):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and the driver errors SQLAlchemy wraps (each once)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending.extend([error.__cause__, error.__context__])
        if isinstance(error, DBAPIError | AdvancedAlchemyError):
            orig = getattr(error, "orig", None)
            pending.append(orig if isinstance(orig, BaseException) else None)


def describe_cause(exc: BaseException) -> str:
    """The innermost error behind ``exc`` in one line (``ConnectionRefusedError: ...``), for a log line."""
    *_, root = _chain(exc)
    return _first_line(root)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _validation_messages(exc: ValidationException) -> list[str]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    messages = [
        describe_validation_error(str(item.get("key") or ""), str(item.get("message") or ""))
        for item in extra
        if isinstance(item, dict)
    ]
    return messages or [exc.detail]
