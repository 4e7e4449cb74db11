"""Account mail: the job queue, single-use mailed tokens, pending notifications, and each account's address
confirmation and mail choices.

Existing accounts count as unconfirmed (nothing proved their addresses) and get every notification.
"""

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import cascading_reference, guid, moment, numbered_id, orm_sentinel, string, text

revision = "2efe9848f669"
down_revision = "cf560e166595"


def _maybe_moment(name: str) -> sa.Column[object]:
    return sa.Column(name, advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        numbered_id(),
        string("kind", 64),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        moment("run_after"),
        _maybe_moment("locked_until"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        text("last_error", nullable=True),
        _maybe_moment("failed_at"),
        moment("created_at"),
        moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    op.create_index("ix_jobs_run_after", "jobs", ["run_after"])
    op.create_table(
        "account_tokens",
        guid("id"),
        string("token_hash", 64),
        guid("user_id"),
        string("purpose", 32),
        string("email", 254),
        moment("expires_at"),
        orm_sentinel(),
        moment("created_at"),
        moment("updated_at"),
        cascading_reference("account_tokens", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])
    op.create_table(
        "notifications",
        numbered_id(),
        guid("user_id"),
        string("kind", 16),
        sa.Column("details", sa.JSON(), nullable=False),
        moment("created_at"),
        moment("updated_at"),
        cascading_reference("notifications", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_id_kind_id", "notifications", ["user_id", "kind", "id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(_maybe_moment("email_verified_at"))
        batch_op.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("notify_follows", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("notify_comments", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notify_comments")
        batch_op.drop_column("notify_follows")
        batch_op.drop_column("pending_email")
        batch_op.drop_column("email_verified_at")
    op.drop_table("notifications")
    op.drop_table("account_tokens")
    op.drop_table("jobs")
