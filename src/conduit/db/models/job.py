"""When each background job last ran, shared by every process that uses the database."""

from advanced_alchemy.base import orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Column, String, Table

job_runs = Table(
    "job_runs",
    orm_registry.metadata,
    Column("name", String(64), primary_key=True),
    Column("last_run_at", DateTimeUTC(timezone=True), nullable=False),
)
"""One row per job: the process that moves ``last_run_at`` forward is the one that runs the job."""
