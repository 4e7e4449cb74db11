"""Domain errors, and the one place where every error becomes a RealWorld error response.

Every error leaves as ``{"errors": {"body": ["..."]}}`` with a fitting status code; the
session is rolled back by the ``before_send_handler`` because the status is not 2xx.
"""

import logging
import re
from typing import Any

from advanced_alchemy.exceptions import IntegrityError as RepositoryIntegrityError
from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import OperationalError as DatabaseOperationalError

logger = logging.getLogger("conduit")


class ConduitError(Exception):
    """A request the domain refuses; ``messages`` are shown to the client as they are."""

    status_code: int = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


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


def error_response(status_code: int, messages: list[str], headers: dict[str, str] | None = None) -> Response[Any]:
    """Build the RealWorld error body: ``{"errors": {"body": [...]}}``."""
    return Response({"errors": {"body": messages}}, status_code=status_code, headers=headers)


def _conduit_error(_: Request[Any, Any, Any], exc: ConduitError) -> Response[Any]:
    headers = {"WWW-Authenticate": "Token"} if exc.status_code == HTTP_401_UNAUTHORIZED else None
    return error_response(exc.status_code, exc.messages, headers)


_MISSING_FIELD = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_LENGTH = re.compile(r"Expected `(?P<kind>str|array)` of length (?P<op>[<>]=) (?P<bound>\d+)")
_RANGE = re.compile(r"Expected `int` >= (?P<bound>-?\d+)")
_RANGE_MAX = re.compile(r"Expected `int` <= (?P<bound>-?\d+)")


def describe_validation_error(key: str, message: str) -> str:
    """Turn one decoding failure into a sentence that names the field.

    Args:
        key: Dotted path of the offending value (``user.email``), or a parameter name.
        message: What the decoder said.

    Returns:
        A message such as ``email can't be blank``.
    """
    field = key.rpartition(".")[2] or key
    if match := _MISSING_FIELD.fullmatch(message):
        return f"{match['field']} is required"
    if match := _LENGTH.fullmatch(message):
        if match["op"] == ">=" and match["bound"] == "1":
            return f"{field} can't be blank"
        limit = "at least" if match["op"] == ">=" else "at most"
        unit = "characters" if match["kind"] == "str" else "items"
        return f"{field} must have {limit} {match['bound']} {unit}"
    if match := _RANGE.fullmatch(message):
        return f"{field} must be at least {match['bound']}"
    if match := _RANGE_MAX.fullmatch(message):
        return f"{field} must be at most {match['bound']}"
    if message.startswith("Expected `str` matching regex"):
        return f"{field} is invalid"
    if message.startswith("Expected "):
        return f"{field}: {message[0].lower()}{message[1:]}"
    if key == "data" and message == "'data'":
        return "request body is required"
    return message


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    messages = [
        describe_validation_error(str(item.get("key") or ""), str(item.get("message") or ""))
        for item in extra
        if isinstance(item, dict)
    ]
    return error_response(HTTP_422_UNPROCESSABLE_ENTITY, messages or [exc.detail])


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("request failed", exc_info=exc)
        return error_response(exc.status_code, ["internal server error"])
    return error_response(exc.status_code, [exc.detail], exc.headers)


def _not_found(_: Request[Any, Any, Any], __: RepositoryNotFoundError) -> Response[Any]:
    return error_response(HTTP_404_NOT_FOUND, ["not found"])


def _integrity_error(_: Request[Any, Any, Any], exc: RepositoryIntegrityError) -> Response[Any]:
    logger.info("integrity error: %s", exc)
    return error_response(HTTP_422_UNPROCESSABLE_ENTITY, ["conflicts with existing data; please retry"])


def _database_unavailable(_: Request[Any, Any, Any], exc: DatabaseOperationalError) -> Response[Any]:
    """The database is unreachable, or busy past its timeout (SQLite's single writer): worth a retry."""
    logger.warning("database unavailable: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
    return error_response(HTTP_503_SERVICE_UNAVAILABLE, ["the database is busy; please retry"], {"Retry-After": "1"})


def _unexpected_error(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error", exc_info=exc)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, ["internal server error"])


exception_handlers: ExceptionHandlersMap = {
    ConduitError: _conduit_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    RepositoryNotFoundError: _not_found,
    RepositoryIntegrityError: _integrity_error,
    DatabaseOperationalError: _database_unavailable,
    Exception: _unexpected_error,
}
