"""Two Conduit instances, as on two machines behind a load balancer, act as one service.

Real ``conduit run`` servers on two ports share one database: a SQLite file in the SQLite pass (two
instances on one machine), PostgreSQL through one PgBouncer in transaction mode in the PostgreSQL pass,
and one Redis when there is one. The first instance runs two worker processes, so three processes
compete for the background jobs. At the end it is stopped with SIGTERM while a request is in flight.
"""

import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, multiprocess
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from conduit.db.models import SessionRecord
from conduit.lib.metrics import MULTIPROCESS_DIR_VARIABLE
from tests.conftest import ON_POSTGRES, TEST_SECRET
from tests.support.databases import execute_on_server, migrate_afresh
from tests.support.servers import Server, alive, conduit_servers, pgbouncer, redis_reachable, require_pgbouncer

PURGE_INTERVAL_SECONDS = 3
"""Each of the three processes checks four times a second whether the purge is due."""
SIGN_IN_FAILURES_PER_ACCOUNT = 3
REDIS_URL = "redis://127.0.0.1:6379/4"
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


def prepare(database_url: str) -> None:
    """Conduit's tables, and two browser sessions that expired an hour ago."""

    migrate_afresh(database_url)

    async def run() -> None:
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            expired = datetime.now(UTC) - timedelta(hours=1)
            await connection.execute(
                insert(SessionRecord),
                [
                    {"id": uuid.uuid4(), "key": key, "namespace": "conduit", "value": b"{}", "expires_at": expired}
                    for key in ("expired-1", "expired-2")
                ],
            )
        await engine.dispose()

    asyncio.run(run())


def session_keys(database_url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_async_engine(database_url)
        async with engine.connect() as connection:
            keys = set((await connection.scalars(select(SessionRecord.key))).all())
        await engine.dispose()
        return keys

    return asyncio.run(run())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instances")


@pytest.fixture(scope="module")
def database(suite_database_url: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """(the URL the tests read, the URL the instances use): PostgreSQL behind PgBouncer, or a SQLite file."""
    if not ON_POSTGRES:
        url = f"sqlite+aiosqlite:///{workdir / 'shared.sqlite3'}"
        prepare(url)
        yield url, url
        return
    require_pgbouncer()
    name = f"conduit_instances_{uuid.uuid4().hex[:12]}"
    execute_on_server(suite_database_url, f'CREATE DATABASE "{name}"')
    url = make_url(suite_database_url).set(database=name).render_as_string(hide_password=False)
    prepare(url)
    try:
        with pgbouncer(url, workdir, pool_size=4) as bounced:
            yield url, bounced
    finally:
        execute_on_server(suite_database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def instances(database: tuple[str, str], workdir: Path) -> Iterator[list[Server]]:
    """Two instances (the first with two workers), each with its own folder, as on two machines.

    Started once for the module: the last test stops the first instance, so it comes last.
    """
    environment = {
        "DATABASE_URL": database[1],
        "DATABASE_PGBOUNCER": str(ON_POSTGRES).lower(),
        "CONDUIT_ENV": "production",
        "SECRET_KEY": TEST_SECRET,
        "ACCOUNT_MAIL": "false",  # mail has tests of its own (tests/mail)
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP here; behind a TLS-terminating proxy it stays true
        "LOG_FORMAT": "json",
        "SESSION_PURGE_INTERVAL_SECONDS": str(PURGE_INTERVAL_SECONDS),
        "SIGN_IN_FAILURES_PER_ACCOUNT": str(SIGN_IN_FAILURES_PER_ACCOUNT),
        # Redis keeps the counters of one address (127.0.0.1) from run to run: only the account limit is tested here.
        "SIGN_IN_FAILURES_PER_ADDRESS": "0",
        "REGISTRATIONS_PER_HOUR": "0",
        "REDIS_URL": REDIS_URL if redis_reachable(REDIS_URL) else "",
        # Instances share the response cache's content version through Redis; without it they must not cache.
        "RESPONSE_CACHE_SECONDS": "60" if redis_reachable(REDIS_URL) else "0",
    }
    machines = []
    for name in ("first", "second"):
        (workdir / name).mkdir()
        machines.append({**environment, "CONDUIT_VAR_DIR": str(workdir / name)})
    machines[0][MULTIPROCESS_DIR_VARIABLE] = str(workdir / "first" / "metrics")  # for the test to read each worker's
    with conduit_servers((machines[0], ("--wc", "2")), (machines[1], ()), workdir=workdir) as servers:
        yield servers


def sign_in_page_form(client: httpx.Client, server: Server, path: str) -> str:
    page = client.get(f"{server.address}{path}")
    assert page.status_code == 200, page.text
    match = CSRF_INPUT.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def purge_times(servers: list[Server]) -> list[float]:
    """When the session purge ran, in any process of either instance, from their logs (seconds since the epoch)."""
    times = []
    for server in servers:
        for line in server.log.read_text().splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            if event.get("event") == "job ran" and event.get("job") == "purge_expired_browser_sessions":
                times.append(datetime.fromisoformat(event["timestamp"]).timestamp())
    return sorted(times)


def job_runs(servers: list[Server]) -> float:
    """How many times the session purge ran, added up over both instances (and the first one's workers)."""
    total = 0.0
    for server in servers:
        for line in httpx.get(f"{server.address}/metrics", timeout=5).text.splitlines():
            if line.startswith('conduit_job_runs_total{job="purge_expired_browser_sessions"}'):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_two_instances_act_as_one_service(instances: list[Server], database: tuple[str, str]) -> None:
    first, second = instances
    with httpx.Client(timeout=30) as browser:
        registered = browser.post(
            f"{first.address}/api/users",
            json={"user": {"username": "roamer", "email": "roamer@example.org", "password": "long enough"}},
        )
        token = {"Authorization": f"Token {registered.json()['user']['token']}"}
        token_elsewhere = browser.get(f"{second.address}/api/user", headers=token)
        listed_before = browser.get(f"{second.address}/api/articles").json()["articlesCount"]
        browser.get(f"{second.address}/api/articles")  # now in the second instance's response cache
        published = browser.post(
            f"{first.address}/api/articles",
            headers=token,
            json={"article": {"title": "Written on the first", "description": "d", "body": "b"}},
        )
        listed_elsewhere = browser.get(f"{second.address}/api/articles").json()

        csrf = sign_in_page_form(browser, first, "/login")
        signed_in = browser.post(
            f"{first.address}/login",
            data={"email": "roamer@example.org", "password": "long enough", "_csrf_token": csrf},
        )
        settings_elsewhere = browser.get(f"{second.address}/settings")
        csrf = sign_in_page_form(browser, second, "/editor")
        published_elsewhere = browser.post(
            f"{second.address}/editor",
            data={"title": "Written on the second", "description": "d", "body": "b", "tags": "", "_csrf_token": csrf},
        )
        readiness = [browser.get(f"{server.address}/readyz").json() for server in instances]

    assert registered.status_code == 201
    assert token_elsewhere.json()["user"]["username"] == "roamer"
    assert published.status_code == 201
    assert listed_elsewhere["articlesCount"] == listed_before + 1  # the write outdated the other's cache
    assert listed_elsewhere["articles"][0]["title"] == "Written on the first"
    assert signed_in.status_code == 303
    assert settings_elsewhere.status_code == 200
    assert 'value="roamer"' in settings_elsewhere.text
    assert published_elsewhere.status_code == 303
    assert all(state["status"] == "ready" for state in readiness)
    if os.environ.get("CI") == "true" or redis_reachable(REDIS_URL):
        assert all(state["checks"].get("redis") == "ok" for state in readiness)

    deadline = time.monotonic() + 60
    while len(purges := purge_times(instances)) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    gaps = [later - earlier for earlier, later in itertools.pairwise(purge_times(instances))]
    assert not session_keys(database[0]) & {"expired-1", "expired-2"}
    assert len(purges) >= 3
    assert min(gaps) > PURGE_INTERVAL_SECONDS - 0.5, gaps  # once per interval, not once per process
    assert job_runs(instances) == len(purge_times(instances))


def test_throttling_counters_are_shared_by_every_process_of_both_instances(instances: list[Server]) -> None:
    if not redis_reachable(REDIS_URL):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, but Redis is not running on 127.0.0.1:6379")
        pytest.skip("without Redis each process counts on its own (REDIS_URL is what shares the counters)")
    first, second = instances
    email = f"throttled-{uuid.uuid4().hex[:12]}@example.org"  # Redis keeps its counters from run to run
    password = "long enough"

    def sign_in(server: Server, attempt: str) -> int:
        # A new connection each time, so that the first instance's two workers both take part.
        response = httpx.post(
            f"{server.address}/api/users/login", json={"user": {"email": email, "password": attempt}}, timeout=30
        )
        return response.status_code

    registered = httpx.post(
        f"{second.address}/api/users",
        json={"user": {"username": f"t{uuid.uuid4().hex[:12]}", "email": email, "password": password}},
        timeout=30,
    )
    failures = [sign_in(server, "wrong password") for server in (first, second, first)]
    right_password_elsewhere = sign_in(second, password)

    assert registered.status_code == 201
    assert failures == [401] * SIGN_IN_FAILURES_PER_ACCOUNT
    assert right_password_elsewhere == 429


def requests_counted_by_each_worker(metrics: Path, workdir: Path, route: str) -> list[float]:
    """``GET route`` requests each process of a server counted (0 if it answered none), read from its own file."""
    counted = []
    for values in sorted(metrics.glob("counter_*.db")):
        alone = workdir / f"alone-{values.stem}"
        alone.mkdir(exist_ok=True)
        shutil.copy(values, alone / values.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
        labels = {"method": "GET", "route": route, "status": "200"}
        counted.append(registry.get_sample_value("conduit_http_requests_total", labels) or 0.0)
    return counted


def test_every_worker_answers_metrics_for_all_of_them(instances: list[Server], workdir: Path) -> None:
    first = instances[0]
    metrics = workdir / "first" / "metrics"
    sent = 0
    # New connections until both workers have answered some (the kernel picks which worker accepts each).
    while sent < 200 and len([n for n in requests_counted_by_each_worker(metrics, workdir, "/api/tags") if n]) < 2:
        assert httpx.get(f"{first.address}/api/tags", timeout=30).status_code == 200
        sent += 1
    scraped = []
    for _ in range(10):
        for line in httpx.get(f"{first.address}/metrics", timeout=30).text.splitlines():
            if line.startswith('conduit_http_requests_total{method="GET",route="/api/tags",status="200"}'):
                scraped.append(float(line.rsplit(" ", 1)[1]))

    per_worker = [count for count in requests_counted_by_each_worker(metrics, workdir, "/api/tags") if count]
    assert len(per_worker) == 2, per_worker
    assert scraped == [sum(per_worker)] * 10  # whichever worker answered /metrics


def test_sigterm_finishes_the_request_in_flight_and_stops_every_worker(instances: list[Server]) -> None:
    first = instances[0]
    processes = first.processes()
    assert len(processes) >= 3  # the supervisor and its two workers
    body = json.dumps({"user": {"username": "late", "email": "late@example.org", "password": "long enough"}})
    port = int(first.address.rsplit(":", 1)[1])

    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            b"POST /api/users HTTP/1.1\r\nHost: conduit\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body[:20].encode()
        )
        time.sleep(0.5)  # the request has started; half of its body is still on the way
        first.process.send_signal(signal.SIGTERM)
        time.sleep(1)
        connection.sendall(body[20:].encode())
        response = b""
        while chunk := connection.recv(65536):
            response += chunk

    first.process.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert response.startswith(b"HTTP/1.1 201"), response[:300]
    assert first.process.returncode == 0
    assert [pid for pid in processes if alive(pid)] == []
