"""Building blocks shared by the domains' msgspec schemas."""

from datetime import UTC, datetime
from typing import Annotated

from msgspec import Meta

Timestamp = Annotated[str, Meta(extra_json_schema={"extra": {"format": "date-time"}})]
"""An ISO 8601 instant with milliseconds and a ``Z``, as RealWorld clients parse it."""


def format_timestamp(moment: datetime) -> str:
    """Render ``moment`` as ``2026-01-02T03:04:05.000Z``; naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
