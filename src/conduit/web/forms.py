"""Form handling: errors are shown next to the field they concern, and redirects stay on the site."""

from conduit.lib.exceptions import ConduitError, InvalidFieldError


def errors_by_field(error: ConduitError, fields: list[str]) -> dict[str, list[str]]:
    """Attach each of the domain's messages to its field (the one it names or starts with), or to the form."""
    if isinstance(error, InvalidFieldError):
        return {error.field: error.messages}
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
