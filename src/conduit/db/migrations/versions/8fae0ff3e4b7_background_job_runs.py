"""Background job runs: when each job last ran, so that one process of all runs it.

Revision ID: 8fae0ff3e4b7
Revises: 42faef43b0fb
Create Date: 2026-11-25 17:07:24.444826
"""

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "8fae0ff3e4b7"
down_revision = "42faef43b0fb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
