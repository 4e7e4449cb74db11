"""Reads on a streaming replica: routed there, read-your-writes under replication lag, the lag bound, and what a
primary or a replica going away does."""

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from httpx import AsyncClient
from litestar import Litestar
from prometheus_client import REGISTRY

from conduit.app import create_app
from tests.conftest import Account, settings_for
from tests.replicas.conftest import clients
from tests.support.pgserver import ThrowawayPostgres, ThrowawayStandby
from tests.support.servers import pgbouncer, require_pgbouncer
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio

ME, SOMEONE_ELSE = "10.0.0.1", "10.0.0.2"


def reads_on(database: str) -> float:
    return REGISTRY.get_sample_value("conduit_database_reads_total", {"database": database}) or 0.0


async def caught_up(primary: ThrowawayPostgres, replica: ThrowawayStandby) -> None:
    """Wait until the replica has replayed everything the primary has written."""
    source = await asyncpg.connect(host="127.0.0.1", port=primary.port, user="postgres", database="conduit")
    target = await asyncpg.connect(host="127.0.0.1", port=replica.port, user="postgres", database="conduit")
    try:
        written = await source.fetchval("SELECT pg_current_wal_lsn()")
        for _ in range(200):
            if await target.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", written):
                return
            await asyncio.sleep(0.05)
        pytest.fail("the replica did not catch up")
    finally:
        await source.close()
        await target.close()


async def until(condition: Callable[[], Any], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not hold in time")
        await asyncio.sleep(0.1)


async def register(client: AsyncClient) -> Account:
    name = f"u{uuid.uuid4().hex[:10]}"
    user = {"username": name, "email": f"{name}@example.org", "password": "correct horse battery"}
    response = await client.post("/api/users", json={"user": user})
    assert response.status_code == 201, response.text
    return Account(name, user["email"], user["password"], response.json()["user"]["token"])


async def publish(client: AsyncClient, author: Account, title: str) -> str:
    article = {"title": title, "description": "d", "body": "b", "tagList": []}
    response = await client.post("/api/articles", headers=author.headers, json={"article": article})
    assert response.status_code == 201, response.text
    return str(response.json()["article"]["slug"])


async def published_while_replay_is_paused(
    writer: AsyncClient, primary: ThrowawayPostgres, replica: ThrowawayStandby, title: str
) -> str:
    """The slug of an article a new author published on the primary once the replica stopped replaying."""
    author = await register(writer)
    await caught_up(primary, replica)
    replica.replay(paused=True)
    return await publish(writer, author, f"{title} {uuid.uuid4().hex[:6]}")


async def test_reads_are_served_by_the_replica(
    replicated: Callable[..., Litestar], primary: ThrowawayPostgres, replica: ThrowawayStandby
) -> None:
    async with clients(replicated(None), ME) as (writer,), clients(replicated(), SOMEONE_ELSE) as (reader,):
        slug = await published_while_replay_is_paused(writer, primary, replica, "Only on the primary")
        before = reads_on("replica-1")

        assert (await reader.get(f"/api/articles/{slug}")).status_code == 404  # the replica has not replayed it
        assert (await writer.get(f"/api/articles/{slug}")).status_code == 200
        assert reads_on("replica-1") == before + 1

        replica.replay(paused=False)
        await caught_up(primary, replica)
        assert (await reader.get(f"/api/articles/{slug}")).status_code == 200

        assert (await reader.get("/readyz")).json() == {
            "status": "ready",
            "checks": {"database": "ok", "replica-1": "ok"},
        }
        metrics = (await reader.get("/metrics")).text
        assert 'conduit_database_replica_lag_seconds{database="replica-1"}' in metrics
        assert 'conduit_database_up{database="primary"} 1.0' in metrics
        assert 'conduit_database_reads_total{database="replica-1"}' in metrics


async def test_a_client_reads_its_own_writes_while_replay_is_paused(
    replicated: Callable[..., Litestar], primary: ThrowawayPostgres, replica: ThrowawayStandby
) -> None:
    async with clients(replicated(database_replica_max_lag_seconds=60), ME, SOMEONE_ELSE) as (me, someone_else):
        await caught_up(primary, replica)
        replica.replay(paused=True)
        account = await register(me)
        assert (await me.get("/api/user", headers=account.headers)).status_code == 200
        slug = await publish(me, account, f"Mine {uuid.uuid4().hex[:6]}")
        await asyncio.sleep(10)  # the replica stays 10 s behind, within the 60 s bound
        assert (await me.get(f"/api/articles/{slug}")).status_code == 200
        listed = (await me.get("/api/articles", params={"author": account.username})).json()
        assert [article["slug"] for article in listed["articles"]] == [slug]
        # Another client reads the replica, which lags by less than the bound.
        assert (await someone_else.get(f"/api/articles/{slug}")).status_code == 404


async def test_a_replica_further_behind_than_the_bound_serves_no_reads(
    replicated: Callable[..., Litestar], primary: ThrowawayPostgres, replica: ThrowawayStandby
) -> None:
    async with clients(replicated(None), ME) as (writer,), clients(replicated(), SOMEONE_ELSE) as (reader,):
        slug = await published_while_replay_is_paused(writer, primary, replica, "Behind")
        await asyncio.sleep(6.5)  # past the default bound of 5 s, and past the next check
        before = reads_on("primary")
        assert (await reader.get(f"/api/articles/{slug}")).status_code == 200
        assert reads_on("primary") == before + 1


async def test_with_the_primary_down_reads_answer_and_writes_get_503(
    replicated: Callable[..., Litestar],
    primary: ThrowawayPostgres,
    replica: ThrowawayStandby,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("conduit.web.browser_sessions.RENEW_AFTER_SECONDS", 0)  # every visit writes its session
    async with clients(replicated(), ME) as (client,):
        account = await register(client)
        slug = await publish(client, account, f"Survives {uuid.uuid4().hex[:6]}")
        await Browser(client).sign_in(account)
        await caught_up(primary, replica)
        primary.stop("fast")
        try:
            await until(lambda: _status(client, "/readyz", "read-only"))
            await until(lambda: _shows(client, "/", "Conduit is read-only for now"))
            assert (await client.get("/api/articles")).status_code == 200
            assert (await client.get(f"/api/articles/{slug}")).status_code == 200
            assert (await client.get("/api/user", headers=account.headers)).status_code == 200
            editor = await client.get("/editor")  # signed in: the session is read from the replica
            assert editor.status_code == 200
            assert f"/profile/{account.username}" in editor.text
            write = await client.post(
                "/api/articles",
                headers=account.headers,
                json={"article": {"title": "t", "description": "d", "body": "b"}},
            )
            assert write.status_code == 503
            assert write.headers["retry-after"] == "1"
            assert write.json() == {"errors": {"database": ["is busy; please retry"]}}
            credentials = {"user": {"email": account.email, "password": account.password}}
            assert (await client.post("/api/users/login", json=credentials)).status_code == 503
        finally:
            primary.start()
        await until(lambda: _status(client, "/readyz", "ready"))
        await publish(client, account, f"After {uuid.uuid4().hex[:6]}")  # back without a restart


async def test_with_the_replica_down_every_read_answers_from_the_primary(
    replicated: Callable[..., Litestar], primary: ThrowawayPostgres, replica: ThrowawayStandby
) -> None:
    async with clients(replicated(), ME) as (client,):
        account = await register(client)
        slug = await publish(client, account, f"Everywhere {uuid.uuid4().hex[:6]}")
        await caught_up(primary, replica)
        for _ in range(5):
            assert (await client.get(f"/api/articles/{slug}")).status_code == 200
        replica.stop("immediate")
        statuses = [(await client.get(path)).status_code for path in ("/api/articles", f"/api/articles/{slug}", "/")]
        statuses += [(await client.get("/api/tags")).status_code for _ in range(20)]
        assert set(statuses) == {200}
        replica.start()
        before = reads_on("replica-1")
        await until(lambda: _served_by_replica(client, before), seconds=30)  # after its crash recovery


async def _status(client: AsyncClient, path: str, status: str) -> bool:
    return bool((await client.get(path)).json().get("status") == status)


async def _shows(client: AsyncClient, path: str, text: str) -> bool:
    page = await client.get(path)
    assert page.status_code == 200
    return text in page.text


async def _served_by_replica(client: AsyncClient, before: float) -> bool:
    assert (await client.get("/api/tags")).status_code == 200
    return reads_on("replica-1") > before


async def test_through_one_pgbouncer_per_database(
    primary: ThrowawayPostgres, replica: ThrowawayStandby, tmp_path: Path
) -> None:
    require_pgbouncer()
    (tmp_path / "primary").mkdir()
    (tmp_path / "replica").mkdir()
    with (
        pgbouncer(primary.url, tmp_path / "primary") as to_primary,
        pgbouncer(replica.url, tmp_path / "replica") as to_replica,
    ):
        fields = {"database_pgbouncer": True, "database_replica_urls": (to_replica,)}
        app = create_app(settings_for(tmp_path, to_primary, **fields))
        async with clients(app, ME, SOMEONE_ELSE) as (me, someone_else):
            account = await register(me)
            slug = await publish(me, account, f"Bounced {uuid.uuid4().hex[:6]}")
            for _ in range(3):
                assert (await me.get(f"/api/articles/{slug}")).status_code == 200
            await caught_up(primary, replica)
            before = reads_on("replica-1")
            await until(lambda: _served_by_replica(someone_else, before))  # once the app has seen it caught up
            assert (await someone_else.get(f"/api/articles/{slug}")).status_code == 200
