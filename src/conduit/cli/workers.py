"""``conduit workers``: the job queue's workers (mail), as a process of their own."""

import asyncio
import logging
import signal

import click

from conduit.config import alchemy_config
from conduit.lib.logs import configure_logging
from conduit.lib.settings import Settings
from conduit.workers import job_queue

logger = logging.getLogger("conduit.queue")


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True, help="Jobs run at once.")
def workers(concurrency: int) -> None:
    """Work the job queue (mail) until SIGTERM or SIGINT, then finish the jobs at hand and stop.

    Run as many as you like, beside servers started with JOBS_IN_APP=false (on PostgreSQL, workers never take
    the same job; a worker killed mid-job has its job run again after JOB_LEASE_SECONDS).
    """
    settings = Settings.from_env()
    if not settings.account_mail:
        raise click.ClickException("ACCOUNT_MAIL=false: there is no mail to send")
    configure_logging(settings)
    asyncio.run(_work(settings, concurrency))


async def _work(settings: Settings, concurrency: int) -> None:
    alchemy = alchemy_config(settings)  # the primary: a worker writes with each job
    queue = job_queue(settings, alchemy)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    logger.info("workers started", extra={"concurrency": concurrency})
    try:
        await asyncio.gather(*(queue.work(stop) for _ in range(concurrency)))
    finally:
        await alchemy.get_engine().dispose()
    logger.info("workers stopped")
