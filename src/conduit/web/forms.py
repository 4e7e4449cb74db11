"""Form handling: the API's schemas check the fields, and errors are shown next to the field they concern."""

from typing import Any, TypeVar

import msgspec

from conduit.lib.exceptions import ConduitError, describe_validation_error

T = TypeVar("T")


class FormError(Exception):
    """A form is refused; ``errors`` maps field names (or ``""`` for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def checked(schema: type[T], fields: dict[str, Any]) -> T:
    """``fields`` converted by ``schema``.

    Raises:
        FormError: A field is missing or invalid.
    """
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        field = where.strip("`.").split(".")[0].split("[")[0]
        if not field:
            field = next((name for name in fields if message.startswith(f"{name} ")), "")
        raise FormError({field: [describe_validation_error(field, message)]}) from None


def errors_by_field(error: ConduitError, fields: list[str]) -> dict[str, list[str]]:
    """Attach each of the domain's messages to the field it starts with, or to the form."""
    grouped: dict[str, list[str]] = {}
    for message in error.messages:
        field = next((name for name in fields if message.startswith(f"{name} ")), "")
        grouped.setdefault(field, []).append(message)
    return grouped


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
