"""Domain errors, and the one place where any exception is named: a status, errors for the client, a log line.

Every error leaves as RealWorld v2's ``{"errors": {"<subject>": ["<what is wrong>", ...]}}``: the subject is what
failed (a field such as ``username``, or ``article``, ``token``, ``credentials``) and each message says what is wrong
with it, so that ``subject message`` reads as a sentence (``username has already been taken``, ``article not
found``), which is how RealWorld clients show them. Pages build their error pages and form errors from the same
``Problem``. Expected failures (the database unreachable or busy, a client's bad input) log one line without a
traceback; anything unforeseen is a 500 logged once with its traceback.
"""

import logging
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from advanced_alchemy.exceptions import AdvancedAlchemyError
from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
from litestar import Request, Response
from litestar.exceptions import HTTPException, TooManyRequestsException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
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
Errors = dict[str, list[str]]
"""What failed (a field, ``article``, ``token``) and what is wrong with it, as the client is shown them."""
UNAVAILABLE: Errors = {"database": ["is busy; please retry"]}
INTERNAL: Errors = {"server": ["had an internal error"]}
NOT_FOUND = "not found"
FORBIDDEN = "forbidden"
TAKEN = "has already been taken"
HTTP_SUBJECTS = {
    HTTP_401_UNAUTHORIZED: ("token", "is invalid or expired"),
    HTTP_404_NOT_FOUND: ("path", NOT_FOUND),
    HTTP_405_METHOD_NOT_ALLOWED: ("method", "not allowed"),
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: ("request", "body is too large"),
}
"""How Litestar's own refusals are named (an unknown path, a body too large); any other is the ``request``'s."""
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
    """A request the domain refuses: ``errors`` maps each subject to what is wrong with it (``message`` by default)."""

    status_code: int = HTTP_422_UNPROCESSABLE_ENTITY
    message: str = "is invalid"

    def __init__(self, subject: str, *messages: str) -> None:
        self.errors: Errors = {subject: list(messages or (self.message,))}
        super().__init__("; ".join(sentences(self.errors)))

    @classmethod
    def of(cls, errors: Mapping[str, Sequence[str]]) -> Self:
        """The error naming several subjects at once (a username and an email both taken)."""
        subject, *_ = errors
        error = cls(subject)
        error.errors = {name: list(messages) for name, messages in errors.items()}
        error.args = ("; ".join(sentences(error.errors)),)
        return error

    @property
    def headers(self) -> dict[str, str]:
        """Response headers that go with the refusal."""
        return {"WWW-Authenticate": "Token"} if self.status_code == HTTP_401_UNAUTHORIZED else {}


class BadRequestError(ConduitError):
    """The request cannot be read at all (a body that is not JSON, not UTF-8, or nested too deeply)."""

    status_code = HTTP_400_BAD_REQUEST


class InvalidInputError(ConduitError):
    """The input breaks a rule of the domain (a blank title, a reserved username)."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY


class ConflictError(InvalidInputError):
    """The input names what someone else already has (a username or an email)."""

    status_code = HTTP_409_CONFLICT
    message = TAKEN


class AuthenticationError(ConduitError):
    """No valid credentials were presented: ``token`` is missing or invalid, or the ``credentials`` are wrong."""

    status_code = HTTP_401_UNAUTHORIZED


class PermissionDeniedError(ConduitError):
    """The caller is known but may not change the subject (their ``article``, their ``comment``)."""

    status_code = HTTP_403_FORBIDDEN
    message = FORBIDDEN


class NotFoundError(ConduitError):
    """The subject (an ``article``, a ``profile``, a ``comment``) does not exist."""

    status_code = HTTP_404_NOT_FOUND
    message = NOT_FOUND


Found = TypeVar("Found")


def found(value: Found | None, subject: str) -> Found:
    """``value``, what looking up the ``subject`` (``"article"``) gave; ``None`` raises ``NotFoundError``."""
    if value is None:
        raise NotFoundError(subject)
    return value


class TooManyAttemptsError(ConduitError):
    """The client has tried too often; it may try again after ``retry_after`` seconds."""

    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, subject: str, message: str, *, retry_after: int) -> None:
        super().__init__(subject, message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailableError(ConduitError):
    """Something the request needs (besides the database) cannot be reached right now; retrying may succeed."""

    status_code = HTTP_503_SERVICE_UNAVAILABLE
    message = "is busy; please retry"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


class CommitFailedError(Exception):
    """COMMIT failed, so nothing the request changed was saved; the cause is chained."""


def sentences(errors: Mapping[str, Sequence[str]]) -> list[str]:
    """Each error as the sentence a client shows: ``username has already been taken``."""
    return [f"{subject} {message}".strip() for subject, messages in errors.items() for message in messages]


@dataclass(frozen=True)
class Problem:
    """What an exception means for the client: a status, errors by subject, and headers such as ``Retry-After``."""

    status_code: int
    errors: Errors
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def sentences(self) -> list[str]:
        """The errors as sentences, for a page or a terminal."""
        return sentences(self.errors)


def problem_for(exc: BaseException) -> Problem:
    """Name ``exc`` for the client, logging it the way its kind deserves.

    Args:
        exc: Whatever a request raised.

    Returns:
        The status, errors and headers the client gets.
    """
    if isinstance(exc, ConduitError):
        return Problem(exc.status_code, exc.errors, exc.headers)
    if database_unavailable(exc):
        logger.warning("database unavailable", extra={"cause": describe_cause(exc)})
        return Problem(HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, CommitFailedError):
        logger.error("COMMIT failed, nothing was saved", extra={"cause": describe_cause(exc)})
        return Problem(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL)
    if (taken := taken_field(exc)) is not None:
        return Problem(HTTP_409_CONFLICT, {taken: [TAKEN]})
    if refers_to_deleted_row(exc) or isinstance(exc, RepositoryNotFoundError):
        return Problem(HTTP_404_NOT_FOUND, {"resource": [NOT_FOUND]})
    if isinstance(exc, ValidationException):
        return Problem(HTTP_422_UNPROCESSABLE_ENTITY, _validation_errors(exc))
    if isinstance(exc, TooManyRequestsException):
        retry_after = (exc.headers or {}).get("Retry-After", str(RETRY_AFTER_SECONDS))
        errors = {"requests": ["are too many; retry later"]}
        return Problem(HTTP_429_TOO_MANY_REQUESTS, errors, {**(exc.headers or {}), "Retry-After": retry_after})
    if isinstance(exc, HTTPException) and exc.status_code < HTTP_500_INTERNAL_SERVER_ERROR:
        if exc.status_code == HTTP_400_BAD_REQUEST:  # a body Litestar could not decode
            subject, message = "request", f"body cannot be read: {exc.detail}"
        else:
            subject, message = HTTP_SUBJECTS.get(exc.status_code, ("request", f"was refused: {exc.detail}"))
        headers = dict(exc.headers or {})
        if exc.status_code == HTTP_401_UNAUTHORIZED:
            headers["WWW-Authenticate"] = "Token"
        return Problem(exc.status_code, {subject: [message]}, headers)
    logger.error("request failed", extra={"error": _first_line(exc)}, exc_info=exc)
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL)


def error_response(problem: Problem) -> Response[Any]:
    """The RealWorld error body for ``problem``: ``{"errors": {"<subject>": [...]}}``."""
    return Response({"errors": problem.errors}, status_code=problem.status_code, headers=problem.headers)


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


def _validation_errors(exc: ValidationException) -> Errors:
    """Litestar's report of a body or parameter that failed to decode, by the field each message names."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: Errors = {}
    for item in extra:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            subject, message = describe_validation_error(key, str(item.get("message") or ""))
            if subject in ("", "data") and key in ("", "data"):  # the body as a whole, which Litestar calls data
                subject, message = "request", message if message.startswith("body ") else f"body {message}"
            errors.setdefault(subject, []).append(message)
    return errors or {"request": [exc.detail]}
