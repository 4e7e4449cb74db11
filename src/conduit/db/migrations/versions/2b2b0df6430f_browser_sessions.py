"""Browser sessions: the server-side session store of the web app.

The unique index beside the unique constraint comes from Advanced Alchemy's store model,
which declares both; autogenerate keeps them, so ``database check`` stays clean.

Revision ID: 2b2b0df6430f
Revises: 656fa7ce9850
Create Date: 2026-11-25 09:41:11.996234
"""

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "2b2b0df6430f"
down_revision = "656fa7ce9850"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
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
