"""Browser sessions: the server-side session store of the web app.

The unique index beside the unique constraint comes from Advanced Alchemy's store model,
which declares both; autogenerate keeps them, so ``database check`` stays clean.
"""

import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import guid, moment, orm_sentinel, string

revision = "2b2b0df6430f"
down_revision = "656fa7ce9850"


def upgrade() -> None:
    op.create_table(
        "sessions",
        guid("id"),
        string("key", 255),
        string("namespace", 255),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        moment("expires_at"),
        orm_sentinel(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("key", "namespace", name="uq_sessions_key_namespace"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_sessions_key_namespace_unique", ["key", "namespace"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_key_namespace_unique")
        batch_op.drop_index(batch_op.f("ix_sessions_expires_at"))

    op.drop_table("sessions")
