"""Background job runs: when each job last ran, so that one process of all runs it."""

import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import moment, string

revision = "8fae0ff3e4b7"
down_revision = "42faef43b0fb"


def upgrade() -> None:
    op.create_table(
        "job_runs",
        string("name", 64),
        moment("last_run_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
