"""Building blocks shared by the domains' msgspec schemas, and the check that form and command-line input gets."""

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta

from conduit.lib.exceptions import InvalidInputError
from conduit.lib.validation import describe_validation_error, explained_pattern, field_with_nul, located

T = TypeVar("T")
_encode = msgspec.json.Encoder().encode

Timestamp = Annotated[str, Meta(extra_json_schema={"extra": {"format": "date-time"}})]
"""An ISO 8601 instant with milliseconds and a ``Z``, as RealWorld clients parse it."""


def not_blank(*, max_length: int) -> Meta:
    """The constraint of a text that must hold more than spaces; empty or blank, it is refused as ``can't be blank``."""
    return explained_pattern(r"\S", "can't be blank", min_length=1, max_length=max_length)


def format_timestamp(moment: datetime) -> str:
    """Render ``moment`` as ``2026-01-02T03:04:05.000Z``; naive values are taken as UTC.

    msgspec writes a UTC instant as RFC 3339 (``"2026-01-02T03:04:05.637999Z"``, without the fraction when it is
    zero) in C, cheaper than ``isoformat``; this cuts it to milliseconds.
    """
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = _encode(moment)
    if moment.microsecond:
        return (text[1:24] + b"Z").decode()
    return text[1:20].decode() + ".000Z"


def checked(schema: type[T], fields: dict[str, Any]) -> T:
    """``fields`` converted by ``schema``, for input that does not arrive as a JSON request body.

    Raises:
        InvalidInputError: A field is missing or invalid; the error names it (the schema as a whole: ``""``).
    """
    if (field := field_with_nul(fields)) is not None:
        raise InvalidInputError(field, "must not contain NUL characters")
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        raise InvalidInputError(*describe_validation_error(*located(exc))) from None
