"""msgspec's validation messages, turned into what failed and what is wrong with it (``("email", "can't be blank")``).

msgspec reports a failed constraint only as text ("Expected `str` of length >= 1 - at `$.user.email`"),
so its few fixed phrases are matched here, in the one place every boundary (JSON bodies, forms,
the command line and the settings) takes its messages from.
"""

import re
from typing import Any

import msgspec

_MISSING_FIELD = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_LENGTH = re.compile(r"Expected `(?P<kind>str|array)` of length (?P<op>[<>]=) (?P<bound>\d+)")
_MINIMUM = re.compile(r"Expected `(?:int|float)` >= (?P<bound>-?[\d.]+)")
_MAXIMUM = re.compile(r"Expected `(?:int|float)` <= (?P<bound>-?[\d.]+)")
_PATTERN = re.compile(r"Expected `str` matching regex (?P<pattern>'.*')", re.DOTALL)
_TYPE = re.compile(r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`")
_KINDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_PATTERN_MEANINGS: dict[str, str] = {}


def explained_pattern(pattern: str, meaning: str, **constraints: Any) -> msgspec.Meta:
    """A string constraint (``msgspec.Meta``) requiring ``pattern``; a value that does not match is refused with
    ``meaning`` (``image``: ``must be an http or https URL``) rather than ``is invalid``."""
    _PATTERN_MEANINGS[repr(pattern)] = meaning
    return msgspec.Meta(pattern=pattern, **constraints)


def located(error: msgspec.ValidationError) -> tuple[str, str]:
    """Split msgspec's error into ``(dotted path, message)``: ``("user.email", "Expected ...")``."""
    message, _, where = str(error).partition(" - at `$")
    return where.rstrip("`").lstrip("."), message


def describe_validation_error(key: str, message: str) -> tuple[str, str]:
    """Turn one decoding failure into its subject and what is wrong with it.

    Args:
        key: Dotted path of the offending value (``user.email``), or a parameter name; empty for the input as a whole
            (the subject is then empty too).
        message: What the decoder said (or the ``ValueError`` a schema's ``__post_init__`` raised).

    Returns:
        The field and the message, such as ``("email", "can't be blank")``: together they read as a sentence.
    """
    field = key.rpartition(".")[2].split("[")[0] or key
    if match := _MISSING_FIELD.fullmatch(message):
        return match["field"], "is required"
    if key == "data" and message == "'data'":
        return "request", "body is required"
    if match := _LENGTH.fullmatch(message):
        if match["op"] == ">=" and match["bound"] == "1":
            what = "can't be blank"
        else:
            limit = "at least" if match["op"] == ">=" else "at most"
            unit = "characters" if match["kind"] == "str" else "items"
            what = f"must have {limit} {match['bound']} {unit}"
    elif match := _MINIMUM.fullmatch(message):
        what = f"must be at least {match['bound']}"
    elif match := _MAXIMUM.fullmatch(message):
        what = f"must be at most {match['bound']}"
    elif match := _PATTERN.fullmatch(message):
        what = _PATTERN_MEANINGS.get(match["pattern"], "is invalid")
    elif match := _TYPE.fullmatch(message):
        what = f"must be {_kinds(match['expected'])}, not {_kinds(match['got'])}"
    else:
        what = message
    return field, what


def _kinds(names: str) -> str:
    """msgspec's type names (``str | null``) in words (``text or null``)."""
    return " or ".join(_KINDS.get(name.strip(), name.strip()) for name in names.split("|"))


def field_with_nul(value: Any, path: str = "") -> str | None:
    """The name of the first field in decoded JSON (or form) ``value`` whose text holds a NUL character."""
    if isinstance(value, str):
        return (path.rpartition(".")[2] or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if (found := field_with_nul(item, f"{path}.{key}")) is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            if (found := field_with_nul(item, path)) is not None:
                return found
    return None
