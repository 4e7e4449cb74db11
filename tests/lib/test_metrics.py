"""Prometheus metrics at /metrics: requests by route and status, the pool, what people do.

The metrics live in the process-wide registry, shared by every app the suite builds, so each test
compares values before and after what it does.
"""

import os
from pathlib import Path

import pytest
from httpx import AsyncClient

from conduit.cli.server import prepare_multiprocess_dir
from conduit.lib.metrics import leave_multiprocess_registry
from conduit.lib.settings import Settings
from tests.conftest import RegisterUser, WriteArticle
from tests.support.observe import sample, scrape

pytestmark = pytest.mark.anyio

REQUESTS = "conduit_http_requests_total"
DURATIONS = "conduit_http_request_duration_seconds_count"


async def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    article = await write_article(author)
    before = await scrape(client)

    for _ in range(3):
        await client.get(f"/api/articles/{article['slug']}")
    await client.get("/api/articles/no-such-article")
    await client.get("/wp-login.php")
    await client.get("/healthz")
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    found = {"method": "GET", "route": "/api/articles/{slug}", "status": "200"}
    missing = {**found, "status": "404"}
    unknown = {"method": "GET", "route": "unmatched", "status": "404"}
    assert (delta(REQUESTS, **found), delta(REQUESTS, **missing), delta(REQUESTS, **unknown)) == (3, 1, 1)
    assert (delta(DURATIONS, **found), delta(DURATIONS, **missing)) == (3, 1)
    assert delta("conduit_http_request_duration_seconds_sum", **found) > 0
    assert not any(dict(labels).get("route") in ("/healthz", "/metrics") for _, labels in after)


async def test_the_database_pool_is_watched(client: AsyncClient, settings: Settings) -> None:
    await client.get("/api/articles")
    samples = await scrape(client)

    assert sample(samples, "conduit_db_pool_limit") == settings.database_pool_size + settings.database_max_overflow
    assert sample(samples, "conduit_db_connections_open") >= 1
    assert sample(samples, "conduit_db_connections_in_use") >= 0


async def test_sign_ups_articles_and_comments_are_counted(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    before = await scrape(client)

    author, reader = await register(), await register()
    article = await write_article(author)
    await write_article(author)
    for body in ("first", "second", "third"):
        response = await client.post(
            f"/api/articles/{article['slug']}/comments", headers=reader.headers, json={"comment": {"body": body}}
        )
        assert response.status_code == 201
    after = await scrape(client)

    assert {
        name: sample(after, name) - sample(before, name)
        for name in ("conduit_signups_total", "conduit_articles_published_total", "conduit_comments_posted_total")
    } == {"conduit_signups_total": 2, "conduit_articles_published_total": 2, "conduit_comments_posted_total": 3}


def test_the_multiprocess_folder_is_emptied_of_an_earlier_run(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"stale")
    (folder / "README").write_text("kept")

    prepare_multiprocess_dir(folder)
    prepare_multiprocess_dir(tmp_path / "new")

    assert sorted(path.name for path in folder.iterdir()) == ["README"]
    assert (tmp_path / "new").is_dir()


def test_a_stopping_worker_takes_its_live_gauges_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    other = tmp_path / "gauge_livesum_1.db"
    totals = tmp_path / f"counter_{os.getpid()}.db"
    for path in (own, other, totals):
        path.write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    leave_multiprocess_registry()

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([other.name, totals.name])
