"""Background jobs run once per interval among all the processes sharing a database, not once per process."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.app import create_app
from conduit.config import alchemy_config
from conduit.db.models import SessionRecord, job_runs
from conduit.lib.jobs import run_if_due
from conduit.lib.settings import Settings
from tests.conftest import serve, settings_for
from tests.support.observe import sample, scrape

pytestmark = pytest.mark.anyio

INTERVAL = timedelta(seconds=2)


@pytest.fixture
async def processes(client: AsyncClient, settings: Settings) -> AsyncIterator[list[SQLAlchemyAsyncConfig]]:
    """Six database configurations with pools of their own, as six processes would have."""
    configs = [alchemy_config(settings) for _ in range(6)]
    yield configs
    for config in configs:
        await config.get_engine().dispose()


async def count_one(session: AsyncSession) -> int:
    return 1


async def test_of_the_processes_racing_for_a_job_exactly_one_runs_it(processes: list[SQLAlchemyAsyncConfig]) -> None:
    first_round = await asyncio.gather(*(run_if_due(config, "probe", INTERVAL, count_one) for config in processes))
    second_round = await asyncio.gather(*(run_if_due(config, "probe", INTERVAL, count_one) for config in processes))
    await asyncio.sleep(INTERVAL.total_seconds())
    third_round = await asyncio.gather(*(run_if_due(config, "probe", INTERVAL, count_one) for config in processes))

    assert sorted(first_round, key=str) == [1, None, None, None, None, None]
    assert second_round == [None] * 6
    assert sorted(third_round, key=str) == [1, None, None, None, None, None]


async def test_a_job_that_fails_gives_its_claim_back(processes: list[SQLAlchemyAsyncConfig]) -> None:
    async def fail(session: AsyncSession) -> int:
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError, match="the job broke"):
        await run_if_due(processes[0], "fragile", INTERVAL, fail)
    retried = await run_if_due(processes[1], "fragile", INTERVAL, count_one)

    assert retried == 1


async def test_the_app_purges_expired_sessions_in_the_background(tmp_path: Path, suite_database_url: str) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, session_purge_interval_seconds=1))
    alchemy = alchemy_config(settings_for(tmp_path, suite_database_url))
    now = datetime.now(UTC)

    async with serve(app) as client:
        async with alchemy.get_session() as session, session.begin():
            await session.execute(job_runs.delete())
            await session.execute(
                insert(SessionRecord),
                [
                    {"id": uuid.uuid4(), "key": key, "namespace": "conduit", "value": b"{}", "expires_at": expires}
                    for key, expires in (("gone", now - timedelta(hours=1)), ("kept", now + timedelta(hours=1)))
                ],
            )
        before = await scrape(client)
        for _ in range(40):
            await asyncio.sleep(0.1)
            async with alchemy.get_session() as session:
                keys = set(await session.scalars(select(SessionRecord.key)))
                runs = await session.scalar(select(func.count()).select_from(job_runs))
            if keys == {"kept"} and runs:
                break
        after = await scrape(client)
    await alchemy.get_engine().dispose()

    assert keys == {"kept"}
    job = {"job": "purge_expired_browser_sessions"}
    assert sample(after, "conduit_job_runs_total", **job) - sample(before, "conduit_job_runs_total", **job) >= 1
