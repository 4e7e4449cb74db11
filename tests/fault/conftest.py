"""A PostgreSQL server of the tests' own, which they stop, crash and restart; never the machine's server."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from litestar import Litestar

from conduit.app import create_app
from tests.conftest import ON_POSTGRES, serve, settings_for
from tests.support.databases import migrate_afresh
from tests.support.pgserver import ThrowawayPostgres


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway server, started once per module (in the PostgreSQL pass of the suite only)."""
    if not ON_POSTGRES:
        pytest.skip("the fault tests run in the PostgreSQL pass of the suite")
    ThrowawayPostgres.require("the fault tests")
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture
def faulty_app(postgres: ThrowawayPostgres, tmp_path: Path) -> Litestar:
    """Conduit on the throwaway server: a small pool that gives up quickly, so outages show at once."""
    postgres.start()
    migrate_afresh(postgres.url)
    return create_app(
        settings_for(
            tmp_path,
            postgres.url,
            database_pool_size=4,
            database_max_overflow=4,
            database_pool_timeout_seconds=1.0,
        )
    )


@pytest.fixture
async def faulty(faulty_app: Litestar) -> AsyncIterator[AsyncClient]:
    async with serve(faulty_app) as client:
        yield client
