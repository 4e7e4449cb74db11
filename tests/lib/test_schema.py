from datetime import UTC, datetime, timedelta, timezone

import pytest

from conduit.lib.schema import format_timestamp


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 637_999, tzinfo=UTC), "2026-01-02T03:04:05.637Z"),
        (datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "2026-12-31T23:59:59.999Z"),
        (datetime(987, 6, 5, 4, 3, 2, 100_000, tzinfo=UTC), "0987-06-05T04:03:02.100Z"),
        (datetime(2026, 1, 2, 0, 30, 5, 250_000, tzinfo=timezone(timedelta(hours=1))), "2026-01-01T23:30:05.250Z"),
    ],
)
def test_timestamps_always_carry_milliseconds_and_utc(moment: datetime, text: str) -> None:
    assert format_timestamp(moment) == text
