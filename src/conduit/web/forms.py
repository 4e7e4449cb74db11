"""Form handling: errors are shown next to the field they concern, and redirects stay on the site."""

from collections.abc import Collection

from conduit.lib.exceptions import ConduitError, sentences


def errors_by_field(error: ConduitError, fields: Collection[str]) -> dict[str, list[str]]:
    """The error's sentences (the API's, ``username has already been taken``) by the form field each names; those
    about anything else (``credentials invalid``) under ``""``, shown above the form."""
    grouped: dict[str, list[str]] = {}
    for subject, messages in error.errors.items():
        grouped.setdefault(subject if subject in fields else "", []).extend(sentences({subject: messages}))
    return grouped


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
