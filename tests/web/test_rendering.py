"""The helpers pages are drawn with: dates in words, and each person's picture or initial."""

import pytest

from conduit.profiles.schemas import Profile
from conduit.web.rendering import avatar, long_date


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2026-01-02T03:04:05.000Z", "January 2, 2026"),
        ("2026-12-31T23:59:59.999Z", "December 31, 2026"),
        ("0999-07-04T00:00:00.000Z", "July 4, 999"),
    ],
)
def test_a_date_is_written_out_as_its_day_in_utc(timestamp: str, expected: str) -> None:
    assert long_date(timestamp) == expected


def test_a_picture_follows_the_profile_it_is_drawn_for() -> None:
    def drawn(username: str, image: str | None, size: str = "small") -> str:
        return str(avatar(Profile(username=username, bio=None, image=image, following=False), size))

    initial = drawn("ann", None)
    again = drawn("ann", None)
    picture = drawn("ann", "https://example.org/ann.png")
    larger = drawn("ann", "https://example.org/ann.png", "large")
    unsafe = drawn("ann", "javascript:alert(1)")
    other = drawn("<b>", None)

    assert initial == again
    assert initial.startswith('<span class="avatar small hue-')
    assert initial.endswith('aria-hidden="true">A</span>')
    assert picture == '<img class="avatar small" src="https://example.org/ann.png" alt="">'
    assert larger == '<img class="avatar large" src="https://example.org/ann.png" alt="">'
    assert unsafe == initial
    assert other.endswith(">&lt;</span>")
