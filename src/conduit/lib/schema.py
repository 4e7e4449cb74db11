"""Building blocks shared by the domains' msgspec schemas, and the check that form and command-line input gets."""

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta

from conduit.lib.exceptions import InvalidFieldError
from conduit.lib.validation import describe_validation_error, field_with_nul, located

T = TypeVar("T")

Timestamp = Annotated[str, Meta(extra_json_schema={"extra": {"format": "date-time"}})]
"""An ISO 8601 instant with milliseconds and a ``Z``, as RealWorld clients parse it."""


def format_timestamp(moment: datetime) -> str:
    """Render ``moment`` as ``2026-01-02T03:04:05.000Z``; naive values are taken as UTC."""
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def checked(schema: type[T], fields: dict[str, Any]) -> T:
    """``fields`` converted by ``schema``, for input that does not arrive as a JSON request body.

    Raises:
        InvalidFieldError: A field is missing or invalid; the message names it.
    """
    if (field := field_with_nul(fields)) is not None:
        raise InvalidFieldError(field, f"{field} must not contain NUL characters")
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        where, message = located(exc)
        field = where.split(".")[0].split("[")[0]
        if not field:
            field = next((name for name in fields if message.startswith(f"{name} ")), "")
        raise InvalidFieldError(field, describe_validation_error(field, message)) from None
