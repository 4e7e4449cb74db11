"""Domain errors, and the one place where any exception is named: a status, errors for the client, a log line.

Every error leaves as RealWorld v2's ``{"errors": {"<subject>": ["<what is wrong>", ...]}}``: the subject is what
failed (a field such as ``username``, or ``article``, ``token``, ``credentials``) and each message says what is wrong
with it, so that ``subject message`` reads as a sentence (``username has already been taken``, ``article not
found``), which is how RealWorld clients show them. Pages build their error pages and form errors from the same
``Problem``. Expected failures (the database unreachable or busy, a client's bad input) log one line without a
traceback; anything unforeseen is a 500 logged once with its traceback.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

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

from conduit.lib.database import database_unavailable, describe_cause, first_line, refers_to_deleted_row, taken_field
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
    logger.error("request failed", extra={"error": first_line(exc)}, exc_info=exc)
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL)


def error_response(problem: Problem) -> Response[Any]:
    """The RealWorld error body for ``problem``: ``{"errors": {"<subject>": [...]}}``."""
    return Response({"errors": problem.errors}, status_code=problem.status_code, headers=problem.headers)


def api_error(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The exception handler for the JSON API."""
    return error_response(problem_for(exc))


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
