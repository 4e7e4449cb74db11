"""Background jobs that run once per interval across every process sharing the database, not once per process.

Each process wakes up a dozen times per interval and tries to claim the job: an ``UPDATE`` that moves the
job's ``last_run_at`` forward only if the interval has passed. The database lets exactly one of the
processes racing for it change the row; that one runs the job, in the same transaction, so a job that
fails gives its claim back. This works on PostgreSQL (also through PgBouncer in transaction mode, where
session-level advisory locks would be lost between transactions; a transaction-level one would only keep
runs from overlapping, not from repeating in every process) and on SQLite alike.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import job_runs
from conduit.db.statements import insert_ignoring_duplicates
from conduit.lib.database import database_unavailable, describe_cause
from conduit.lib.metrics import JOB_RUNS

NEVER = datetime(1970, 1, 1, tzinfo=UTC)
CHECKS_PER_INTERVAL = 12
"""How often per interval each process checks whether the job is due: it runs at most this fraction late."""
Job = Callable[[AsyncSession], Awaitable[int]]
"""A job's work, in the claiming transaction; it returns how many things it did (rows purged, ...)."""
Lifespan = Callable[[Litestar], contextlib.AbstractAsyncContextManager[None]]

logger = logging.getLogger("conduit.jobs")


async def claim(session: AsyncSession, name: str, interval: timedelta) -> bool:
    """Whether this process runs job ``name`` now: true for exactly one of the processes asking in an interval."""
    now = datetime.now(UTC)
    await insert_ignoring_duplicates(session, job_runs, [{"name": name, "last_run_at": NEVER}])
    claimed = await session.execute(
        update(job_runs)
        .where(job_runs.c.name == name, job_runs.c.last_run_at <= now - interval)
        .values(last_run_at=now)
    )
    return int(getattr(claimed, "rowcount", 0) or 0) == 1


async def run_if_due(alchemy: SQLAlchemyAsyncConfig, name: str, interval: timedelta, job: Job) -> int | None:
    """Run ``job`` if this process claims it.

    Returns:
        What the job returned, or None when another process ran it within the interval.
    """
    async with alchemy.get_session() as session, session.begin():
        if not await claim(session, name, interval):
            return None
        done = await job(session)
    JOB_RUNS.labels(name).inc()
    logger.info("job ran", extra={"job": name, "done": done})
    return done


def periodic_job(alchemy: SQLAlchemyAsyncConfig, name: str, interval: timedelta, job: Job) -> Lifespan:
    """A lifespan that, while the app runs, runs ``job`` every ``interval`` in one process of all that share
    the database (checking a dozen times per interval, the first check one such step after start-up)."""
    pause = interval.total_seconds() / CHECKS_PER_INTERVAL

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        async def run_forever() -> None:
            while True:
                await asyncio.sleep(pause)
                try:
                    await run_if_due(alchemy, name, interval, job)
                except Exception as exc:
                    if not database_unavailable(exc):
                        logger.exception("job failed", extra={"job": name})
                    else:  # expected while the database is down: one line, and the next check tries again
                        logger.warning("job failed", extra={"job": name, "cause": describe_cause(exc)})

        task = asyncio.create_task(run_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
