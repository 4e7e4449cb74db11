"""The job queue: work that must not happen inside a request (sending mail), kept in the ``jobs`` table.

A request queues a job with ``enqueue`` on its own database session, so the job is committed with the change that
asked for it, or rolled back with it: no job is lost, and none exists for a change that did not happen. Workers
(in every server process, or ``conduit workers``) take one due job at a time:

1. they claim it: one ``UPDATE`` sets its lease (``locked_until``), skipping rows other workers hold on PostgreSQL
   (``FOR UPDATE SKIP LOCKED``); SQLite has one writer at a time anyway;
2. the job's handler prepares its work in a transaction of its own (a reset mail's token is stored);
3. the work outside the database runs (the mail is handed to the SMTP server), with no transaction open;
4. the job is deleted, with whatever its handler records afterwards, in one transaction.

A failure anywhere gives the job back with a later ``run_after`` (doubling waits, up to ``JOB_RETRY_MAX_SECONDS``); a
worker killed mid-job loses its lease after ``JOB_LEASE_SECONDS`` and another worker runs the job again. So a job
runs at least once; it runs twice only when a worker dies between step 3 and the end of step 4.

Why not a queue library: SAQ keeps its queue in Redis and procrastinate or pgqueuer in PostgreSQL through their own
connections, so none of them can queue a job in the transaction of the request's SQLAlchemy session, and none works
on SQLite, the embedded default. The table is the one data path's, migrated with the rest.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session

from conduit.db.models import Job
from conduit.db.statements import dialect_insert
from conduit.lib.database import database_unavailable, describe_cause
from conduit.lib.metrics import QUEUED_JOBS

if TYPE_CHECKING:  # not imported at run time: requests queue jobs from modules the command line imports too
    from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
    from litestar import Litestar

POLL_SECONDS = 1.0
"""How long an idle worker waits before looking for due jobs again."""
MAX_ATTEMPTS = 100
"""Tries before a job is given up (marked failed): with the default five-minute cap, about eight hours of retries."""

logger = logging.getLogger("conduit.queue")


@dataclass(frozen=True)
class Work:
    """What a job does once its preparation is committed: ``outside`` the database (send a mail), then, in the
    transaction that deletes the job, ``afterwards`` (forget the notifications a digest mailed)."""

    outside: Callable[[], Awaitable[None]]
    afterwards: Callable[[AsyncSession], Awaitable[None]] | None = None


Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[Work | None]]
"""Prepares one job of its kind from its payload, in a transaction; None when there is nothing left to do."""


async def enqueue(
    session: AsyncSession | async_scoped_session[AsyncSession],
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    delay: timedelta = timedelta(),
) -> None:
    """Queue a job in ``session``'s transaction; with ``key``, not while another job with that key waits."""
    now = datetime.now(UTC)
    row = {
        "kind": kind,
        "payload": payload,
        "key": key,
        "run_after": now + delay,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(dialect_insert(session, Job).values(row).on_conflict_do_nothing())


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


class JobQueue:
    """The workers' side of the queue: claims due jobs and runs their handlers."""

    def __init__(
        self,
        alchemy: "SQLAlchemyAsyncConfig",
        handlers: Mapping[str, Handler],
        *,
        lease_seconds: int,
        retry_max_seconds: int,
    ) -> None:
        self.alchemy = alchemy
        self.handlers = handlers
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_max_seconds = retry_max_seconds

    async def run_one(self) -> bool:
        """Claim one due job and run it; False when none is due."""
        job = await self._claim()
        if job is None:
            return False
        try:
            handler = self.handlers[job.kind]
            async with self.alchemy.get_session() as session, session.begin():
                work = await handler(session, job.payload)
            if work is not None:
                await work.outside()
            async with self.alchemy.get_session() as session, session.begin():
                if work is not None and work.afterwards is not None:
                    await work.afterwards(session)
                await session.execute(delete(Job).where(Job.id == job.id))
        except Exception as exc:  # the job is given back, whatever went wrong
            await self._give_back(job, exc)
        else:
            QUEUED_JOBS.labels(job.kind, "done").inc()
            logger.info("job done", extra={"job": job.kind, "job_id": job.id, "attempt": job.attempts})
        return True

    async def run_due(self) -> int:
        """Run jobs until none is due; how many ran."""
        ran = 0
        while await self.run_one():
            ran += 1
        return ran

    async def work(self, stop: asyncio.Event) -> None:
        """Run due jobs until ``stop`` is set, looking again every ``POLL_SECONDS`` while there are none."""
        while not stop.is_set():
            try:
                ran = await self.run_one()
            except Exception as exc:  # the claim itself failed: the database is away, most likely
                ran = False
                if database_unavailable(exc):
                    logger.warning("job queue unavailable", extra={"cause": describe_cause(exc)})
                else:
                    logger.exception("job queue failed")
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)

    @contextlib.asynccontextmanager
    async def working(self, _: "Litestar | None" = None) -> AsyncIterator[None]:
        """A lifespan: the queue is worked while the app runs (``JOBS_IN_APP``)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.work(stop))
        try:
            yield
        finally:
            stop.set()
            await task

    async def _claim(self) -> Claimed | None:
        now = datetime.now(UTC)
        due = (
            select(Job.id)
            .where(
                Job.failed_at.is_(None),
                Job.run_after <= now,
                or_(Job.locked_until.is_(None), Job.locked_until < now),
            )
            .order_by(Job.run_after)
            .limit(1)
            .with_for_update(skip_locked=True)  # SQLite has no row locks and ignores it
        )
        claim = (
            update(Job)
            .where(Job.id == due.scalar_subquery())
            .values(locked_until=now + self.lease, attempts=Job.attempts + 1, key=None, updated_at=now)
            .returning(Job.id, Job.kind, Job.payload, Job.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self.alchemy.get_session() as session, session.begin():
            row = (await session.execute(claim)).one_or_none()
        return None if row is None else Claimed(row.id, row.kind, row.payload, row.attempts)

    async def _give_back(self, job: Claimed, exc: Exception) -> None:
        cause = describe_cause(exc)
        now = datetime.now(UTC)
        failed = job.attempts >= MAX_ATTEMPTS
        wait = min(2 ** (job.attempts - 1), self.retry_max_seconds) * random.uniform(0.8, 1.0)  # noqa: S311
        changes: dict[str, Any] = {"locked_until": None, "last_error": cause[:2000], "updated_at": now}
        changes |= {"failed_at": now} if failed else {"run_after": now + timedelta(seconds=wait)}
        QUEUED_JOBS.labels(job.kind, "failed" if failed else "retried").inc()
        logger.warning(
            "job failed" if failed else "job will be tried again",
            extra={"job": job.kind, "job_id": job.id, "attempt": job.attempts, "cause": cause},
        )
        try:
            async with self.alchemy.get_session() as session, session.begin():
                await session.execute(update(Job).where(Job.id == job.id).values(**changes))
        except Exception as again:  # the lease runs out, and another worker takes the job then
            logger.warning("job not given back", extra={"job": job.kind, "cause": describe_cause(again)})
