"""The connection pool serves requests waiting for a connection in the order they asked."""

import asyncio
import logging

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from conduit.db.engine import FairQueue, FairQueuePool

pytestmark = pytest.mark.anyio


async def waiting_for(queue: FairQueue, served: list[tuple[str, str]], name: str) -> None:
    """Wait for an item of ``queue`` as the pool does (in a greenlet), then note who got which."""
    served.append((name, await greenlet_spawn(queue.get)))


async def waiting_in_line(queue: FairQueue, served: list[tuple[str, str]], *names: str) -> list[asyncio.Task[None]]:
    """Requests named ``names`` waiting for ``queue``'s items, in this order."""
    tasks = []
    for name in names:
        tasks.append(asyncio.create_task(waiting_for(queue, served, name)))
        await asyncio.sleep(0)  # it runs until it waits
    return tasks


async def test_a_connection_given_back_goes_to_the_longest_waiting_request() -> None:
    queue, served = FairQueue(maxsize=2), list[tuple[str, str]]()
    first, second = await waiting_in_line(queue, served, "first", "second")

    queue.put_nowait("a")
    with pytest.raises(Empty):
        queue.get(block=False)  # a request asking now, before the first has run, does not take it
    queue.put_nowait("b")
    await asyncio.gather(first, second)

    assert served == [("first", "a"), ("second", "b")]
    assert queue.empty()


async def test_a_connection_handed_to_a_request_cancelled_meanwhile_goes_to_the_next() -> None:
    queue, served = FairQueue(maxsize=2), list[tuple[str, str]]()
    cancelled, patient = await waiting_in_line(queue, served, "cancelled", "patient")

    queue.put_nowait("a")  # handed to the first, which is cancelled before it runs
    cancelled.cancel()
    await patient

    assert served == [("patient", "a")]
    assert cancelled.cancelled()
    assert not queue.waiting


async def test_a_request_that_waits_too_long_leaves_the_line() -> None:
    queue = FairQueue(maxsize=1)

    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, True, 0.01)

    assert not queue.waiting
    queue.put_nowait("a")
    assert queue.get_nowait() == "a"


async def test_the_app_pools_its_connections_first_come_first_served(alchemy: SQLAlchemyAsyncConfig) -> None:
    pool = alchemy.get_engine().pool
    assert isinstance(pool, FairQueuePool)
    assert isinstance(pool.logger, logging.Logger)
    assert pool.logger.name == "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"  # SQLAlchemy's log level, not Conduit's
