from dataclasses import replace
from uuid import uuid4

import pytest

from conduit.lib.settings import get_settings
from conduit.lib.tokens import InvalidTokenError, issue_token, read_token, token_from_header


def test_a_token_names_its_user() -> None:
    user_id = uuid4()

    assert read_token(issue_token(user_id, get_settings()), get_settings()) == user_id


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = replace(get_settings(), secret_key="z" * 48)

    with pytest.raises(InvalidTokenError):
        read_token(issue_token(uuid4(), other), get_settings())


@pytest.mark.parametrize(
    ("header", "token"), [(None, None), ("", None), ("Token abc", "abc"), ("Bearer abc", "abc"), ("token  abc ", "abc")]
)
def test_token_from_header(header: str | None, token: str | None) -> None:
    assert token_from_header(header) == token


@pytest.mark.parametrize("header", ["abc", "Token", "Basic abc", "Token "])
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(InvalidTokenError):
        token_from_header(header)
