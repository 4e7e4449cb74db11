"""A PostgreSQL primary and a streaming replica of the tests' own (never the machine's server), and Conduit reading
from the replica."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from litestar import Litestar

from conduit.app import create_app
from tests.conftest import ON_POSTGRES, settings_for
from tests.support.databases import migrate_afresh
from tests.support.pgserver import ThrowawayPostgres, ThrowawayStandby


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[ThrowawayPostgres, ThrowawayStandby]]:
    """A primary, migrated, and its replica (asynchronous streaming replication), once per module."""
    if not ON_POSTGRES:
        pytest.skip("the replica tests run in the PostgreSQL pass of the suite")
    ThrowawayPostgres.require("the replica tests")
    with ThrowawayPostgres() as primary:
        migrate_afresh(primary.url)
        with ThrowawayStandby(primary) as replica:
            yield primary, replica


@pytest.fixture
def primary(cluster: tuple[ThrowawayPostgres, ThrowawayStandby]) -> ThrowawayPostgres:
    cluster[0].start()
    return cluster[0]


@pytest.fixture
def replica(cluster: tuple[ThrowawayPostgres, ThrowawayStandby]) -> Iterator[ThrowawayStandby]:
    cluster[1].start()
    cluster[1].replay(paused=False)
    yield cluster[1]
    cluster[1].start()
    cluster[1].replay(paused=False)


@pytest.fixture
def replicated(primary: ThrowawayPostgres, replica: ThrowawayStandby, tmp_path: Path) -> Callable[..., Litestar]:
    """Conduit on the primary and the replica (``replicated()``), or on the primary alone (``replicated(None)``)."""

    def make(replica_url: str | None = replica.url, **overrides: Any) -> Litestar:
        urls = (replica_url,) if replica_url else ()
        fields = {"database_replica_urls": urls, "database_pool_timeout_seconds": 1.0, **overrides}
        return create_app(settings_for(tmp_path, primary.url, **fields))

    return make


@asynccontextmanager
async def clients(app: Litestar, *addresses: str) -> AsyncIterator[list[AsyncClient]]:
    """``app`` started, and one client talking to it from each of ``addresses``."""
    async with app.lifespan():
        made = [
            AsyncClient(transport=ASGITransport(app=app, client=(address, 4321)), base_url="http://testserver.local")  # type: ignore[arg-type]
            for address in addresses
        ]
        try:
            yield made
        finally:
            for client in made:
                await client.aclose()
