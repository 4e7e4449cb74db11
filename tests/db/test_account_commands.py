"""The ``conduit users`` commands that end an account's credentials, and the account rules they share with the API."""

from tests.conftest import Conduit, ScratchDatabase
from tests.db.conftest import migrated, stored_user


def test_ending_an_accounts_sessions_and_tokens(conduit: Conduit, scratch_database: ScratchDatabase) -> None:
    url = migrated(conduit, scratch_database)
    conduit(
        "users",
        "create",
        "--username",
        "ann",
        "--email",
        "ann@example.org",
        "--password",
        "first password",
        database_url=url,
    )

    revoked = conduit("users", "revoke-tokens", "ann", database_url=url)
    after_revoke = stored_user(url, "ann")
    signed_out = conduit("users", "sign-out-everywhere", "ann", database_url=url)
    after_sign_out = stored_user(url, "ann")
    conduit("users", "reset-password", "ann", "--password", "second password", database_url=url)
    after_reset = stored_user(url, "ann")
    conduit("users", "disable", "ann", database_url=url)
    after_disable = stored_user(url, "ann")
    unknown = conduit("users", "sign-out-everywhere", "nobody", database_url=url)
    reserved = conduit(
        "users", "create", "--username", "Admin", "--email", "a@example.org", "--password", "x" * 12, database_url=url
    )

    assert (revoked.returncode, revoked.stdout.strip()) == (0, "revoked the API tokens of 'ann'")
    assert (signed_out.returncode, signed_out.stdout.strip()) == (0, "signed 'ann' out everywhere")
    versions = [
        (row["token_version"], row["session_version"])
        for row in (after_revoke, after_sign_out, after_reset, after_disable)
        if row is not None
    ]
    assert versions == [(1, 0), (2, 1), (3, 2), (4, 3)]
    assert unknown.returncode == 1
    assert "user not found" in unknown.stderr
    assert reserved.returncode == 1
    assert "username is reserved" in reserved.stderr
