"""Revocable credentials and canonical usernames: token and session versions, case-insensitive names and emails.

Existing rows keep working: every user gets versions 0 and the canonical form of their username, and
emails are lower-cased (sign-in always looked them up in lower case). Usernames that differ only in
case or Unicode form, or emails that differ only in case, cannot be merged automatically: the upgrade
then stops before changing anything and names them, so that an operator renames all but one of each
group and runs it again.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from alembic import op

revision = "42faef43b0fb"
down_revision = "202c5d95263e"

users = sa.table(
    "users",
    sa.column("id"),  # untyped: the driver's own value (bytes on SQLite, a UUID on PostgreSQL) goes back as it came
    sa.column("username", sa.String()),
    sa.column("canonical_username", sa.String()),
    sa.column("email", sa.String()),
)


class DuplicateAccountsError(Exception):
    """Accounts that would be the same person once case and Unicode form are ignored."""


def _canonical(username: str) -> str:
    # The rule of conduit.db.models.user.canonical_username, frozen here as it was when this revision was written.
    return unicodedata.normalize("NFKC", username).casefold()


def _clashes(values: Iterable[str], key: Callable[[str], str]) -> list[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for value in values:
        groups[key(value)].append(value)
    return [" = ".join(repr(value) for value in sorted(group)) for group in groups.values() if len(group) > 1]


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.username, users.c.email)).all()
    clashes = [f"usernames {group}" for group in _clashes([row.username for row in rows], _canonical)]
    clashes += [f"emails {group}" for group in _clashes([row.email for row in rows], str.lower)]
    if clashes:
        msg = (
            f"these accounts differ only in case or Unicode form: {'; '.join(clashes)}. "
            "Rename all but one of each group, then run the upgrade again (nothing was changed)."
        )
        raise DuplicateAccountsError(msg)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canonical_username", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    for row in rows:
        connection.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(canonical_username=_canonical(row.username), email=row.email.lower())
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("canonical_username", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_canonical_username"), ["canonical_username"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_canonical_username"), type_="unique")
        batch_op.drop_column("session_version")
        batch_op.drop_column("token_version")
        batch_op.drop_column("canonical_username")
