"""Liveness and readiness, as a load balancer sees them."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from litestar import Litestar
from sqlalchemy import event

from conduit.app import create_app
from conduit.lib.settings import Settings
from tests.conftest import serve, settings_for
from tests.support.observe import captured_logs
from tests.support.servers import redis_reachable

pytestmark = pytest.mark.anyio

UNREACHABLE_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/conduit"
REDIS_URL = "redis://127.0.0.1:6379/4"


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path) -> Settings:
    return settings_for(tmp_path, suite_database_url, log_format="json")


@pytest.fixture
async def without_database(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """Conduit whose database cannot be reached."""
    app = create_app(settings_for(tmp_path, UNREACHABLE_DATABASE, environment="development", log_format="json"))
    async with serve(app) as client:
        yield client


async def test_liveness_and_readiness_answer_when_all_is_well(client: AsyncClient) -> None:
    live = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": {"database": "ok"}})


async def test_without_a_database_the_process_is_alive_but_not_ready(without_database: AsyncClient) -> None:
    with captured_logs() as logs:
        live = await without_database.get("/healthz")
        ready = await without_database.get("/readyz", headers={"X-Request-ID": "probe-1"})

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.headers["retry-after"] == "1"
    assert ready.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    (warning,) = logs.named("not ready")
    assert (warning["dependency"], warning["request_id"], warning["level"]) == ("database", "probe-1", "warning")
    assert "Traceback" not in logs.text


async def test_readiness_checks_redis_when_it_is_configured(tmp_path: Path, suite_database_url: str) -> None:
    if not redis_reachable(REDIS_URL):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, but Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    working = create_app(settings_for(tmp_path, suite_database_url, redis_url=REDIS_URL))
    broken = create_app(settings_for(tmp_path, suite_database_url, redis_url="redis://127.0.0.1:1/0"))

    async with serve(working) as client:
        ready = await client.get("/readyz")
    async with serve(broken) as client:
        not_ready = await client.get("/readyz")

    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok", "redis": "ok"})
    assert (not_ready.status_code, not_ready.json()["checks"]) == (503, {"database": "ok", "redis": "unavailable"})


async def test_health_checks_stay_out_of_sessions_access_logs_and_the_schema(
    client: AsyncClient, app: Litestar
) -> None:
    client.cookies.set("conduit_session", "whatever-a-browser-sent")
    with captured_logs() as logs:
        responses = [await client.get(path) for path in ("/healthz", "/readyz", "/metrics")]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert all("set-cookie" not in response.headers for response in responses)
    assert all(len(response.headers["x-request-id"]) == 32 for response in responses)
    assert logs.named("request") == []
    paths = app.openapi_schema.to_schema()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


async def test_liveness_and_metrics_touch_no_database_even_with_a_session_cookie(
    client: AsyncClient, alchemy: SQLAlchemyAsyncConfig
) -> None:
    checkouts: list[str] = []
    current = [""]
    engine = alchemy.get_engine().sync_engine
    client.cookies.set("conduit_session", "whatever-a-browser-sent")

    def on_checkout(*_: object) -> None:
        checkouts.append(current[0])

    event.listen(engine, "checkout", on_checkout)
    try:
        for path in ("/healthz", "/metrics", "/readyz", "/login"):
            current[0] = path
            assert (await client.get(path)).status_code == 200
    finally:
        event.remove(engine, "checkout", on_checkout)

    assert sorted(set(checkouts)) == ["/login", "/readyz"]  # the session cookie is looked up on the pages only


async def test_health_checks_are_never_throttled(suite_database_url: str, tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, reads_per_minute=3, writes_per_minute=3))

    async with serve(app) as client:
        checks = {(await client.get(path)).status_code for path in ("/healthz", "/readyz", "/metrics") * 10}
        reads = [(await client.get("/api/tags")).status_code for _ in range(4)]

    assert checks == {200}
    assert reads == [200, 200, 200, 429]
