"""Background work: the queue of jobs (mail), and when each periodic job last ran."""

from datetime import datetime
from typing import Any

from advanced_alchemy.base import IdentityAuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Column, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

job_runs = Table(
    "job_runs",
    orm_registry.metadata,
    Column("name", String(64), primary_key=True),
    Column("last_run_at", DateTimeUTC(timezone=True), nullable=False),
)
"""One row per job: the process that moves ``last_run_at`` forward is the one that runs the job."""


class Job(IdentityAuditBase):
    """One piece of work waiting for a worker (``conduit.lib.queue``): written in the transaction of the change that
    asks for it, deleted once done."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_run_after", "run_after"),)

    kind: Mapped[str] = mapped_column(String(64))
    """Which handler runs it (``password-reset``, ``digest``, ...)."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    key: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    """While the job waits, no other job with this key is queued (a burst of follows is one digest); cleared when a
    worker takes it."""
    run_after: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Set while a worker runs it; once passed, the worker is taken for dead and the job is run again."""
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    failed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Set when the job failed too often to try again; it stays for an operator to look at."""
