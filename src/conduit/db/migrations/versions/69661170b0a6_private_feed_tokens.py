"""Private feed tokens: the hash of each user's private feed token, and the version it was derived from.

Nobody has a token yet (the hash is empty until the settings page first shows the private feed's address).
"""

import sqlalchemy as sa
from alembic import op

revision = "69661170b0a6"
down_revision = "8fae0ff3e4b7"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("feed_token_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_users_feed_token_hash"), ["feed_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_feed_token_hash"), type_="unique")
        batch_op.drop_column("feed_token_version")
        batch_op.drop_column("feed_token_hash")
