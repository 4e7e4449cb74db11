"""Load-test the Conduit API: seed a database, start the real server, hammer a few endpoints, print figures.

Usage::

    uv run python scripts/bench.py                      # SQLite file in a fresh temporary directory
    uv run python scripts/bench.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/conduit_bench
    uv run python scripts/bench.py --users 50 --articles 300 --duration 3 --concurrency 8

What it does:

1. Points ``DATABASE_URL``, ``CONDUIT_ENV=test`` and ``CONDUIT_VAR_DIR`` (a temporary directory) at the
   benchmark database before importing ``conduit``, drops and re-creates every Conduit table, and bulk-inserts
   users (all sharing one argon2id hash), tags, articles with three tags each, follows, favorites and comments.
2. Starts ``python -m conduit run`` on ``127.0.0.1:--port`` with that environment and waits for ``/api/tags``.
3. Signs in as a seeded user, then runs each scenario for ``--duration`` seconds with ``--concurrency``
   concurrent requests, printing throughput, latency percentiles, non-2xx responses and the server's RSS.
4. Always stops the server, also on Ctrl-C or SIGTERM, and removes the temporary directory.

WARNING: ``--database-url`` names a database this script WIPES: every Conduit table in it is dropped and
re-created. Pass a dedicated database (e.g. ``conduit_bench``), never one holding data you want to keep.

Each scenario stops after ``--duration`` seconds or 1,000,000 requests, whichever comes first; requests go to
127.0.0.1 only. Latencies are wall-clock times per request as the client saw them; ``srv CPU%`` is the server
process tree's CPU time over the scenario's wall time (above 100 when its threads use several cores) and
``peak MiB`` its largest resident set size, sampled every 50 ms.

The figures are measurements, not assertions: nothing fails when the server is slow. The load generator runs
on the same machine as the server, so on few cores it competes with the server for CPU; the ``cli CPU%``
column shows how busy it was.
"""

import argparse
import asyncio
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, cast
from uuid import UUID

import httpx
from sqlalchemy import Table, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid_utils.compat import uuid7

HOST = "127.0.0.1"
SUPPORTED_URL_PREFIXES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
PASSWORD = "bench-password-123"  # noqa: S105
TAG_POOL_SIZE = 50
TAGS_PER_ARTICLE = 3
FOLLOWS_PER_USER = 10
FAVORITES_PER_USER = 5
COMMENTS_PER_ARTICLE = 0.25
INSERT_BATCH_SIZE = 1000
MAX_REQUESTS_PER_SCENARIO = 1_000_000
REQUEST_TIMEOUT_SECONDS = 30.0
STARTUP_TIMEOUT_SECONDS = 60.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
RSS_SAMPLE_INTERVAL_SECONDS = 0.05
WARMUP_ROUNDS_PER_WORKER = 2
PAGE = 20
RANDOM_SEED = 20240601
WORDS = (
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Seed a database, start Conduit, and measure a few endpoints under concurrent load.",
        epilog="The database given by --database-url is wiped: all Conduit tables are dropped and re-created.",
    )
    parser.add_argument(
        "--database-url",
        help="sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST:PORT/DB; WIPED before seeding "
        "(default: a new SQLite file in a temporary directory)",
    )
    parser.add_argument("--users", type=_positive_int, default=200, help="users to seed (default 200)")
    parser.add_argument("--articles", type=_positive_int, default=2000, help="articles to seed (default 2000)")
    parser.add_argument("--duration", type=_positive_float, default=10.0, help="seconds per scenario (default 10)")
    parser.add_argument("--concurrency", type=_positive_int, default=32, help="concurrent requests (default 32)")
    parser.add_argument("--port", type=_positive_int, default=8766, help="port for the server (default 8766)")
    args = parser.parse_args(argv)
    if args.database_url and not args.database_url.startswith(SUPPORTED_URL_PREFIXES):
        parser.error(f"--database-url must start with {' or '.join(SUPPORTED_URL_PREFIXES)}")
    if args.users < 2:
        parser.error("--users must be at least 2 (one user signs in, the feed needs others to follow)")
    return args


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        msg = f"must be positive, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or value <= 0:
        msg = f"must be a positive number of seconds, not {raw}"
        raise argparse.ArgumentTypeError(msg)
    return value


def configure_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """Set the variables Conduit reads at import time; return the environment for the server process."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CONDUIT_ENV"] = "test"
    os.environ["CONDUIT_VAR_DIR"] = str(var_dir)
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


@dataclass
class Seeded:
    dialect: str
    server_version: str
    counts: dict[str, int]
    login_email: str
    read_slug: str
    favorite_slugs: list[str]
    tag: str
    hash_seconds: float
    schema_seconds: float
    insert_seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` distinct, increasing instants between ``start`` and ``end``."""
    span_us = (end - start) // timedelta(microseconds=1)
    step_us = max(1, span_us // max(count, 1))
    return [start + timedelta(microseconds=i * step_us) for i in range(count)]


def _id_at(moment: datetime) -> UUID:
    """A UUIDv7 whose embedded timestamp is ``moment``, so ids sort like creation times."""
    return uuid7(nanoseconds=int(moment.timestamp() * 1_000_000_000))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


async def _insert_batches(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), INSERT_BATCH_SIZE):
        await connection.execute(insert(table), rows[start : start + INSERT_BATCH_SIZE])


Row = dict[str, Any]


@dataclass
class Dataset:
    """Everything to insert; tags are referred to by their index in ``tag_names`` until they have ids."""

    users: list[Row]
    tag_names: list[str]
    articles: list[Row]
    article_tags: list[tuple[UUID, int]]
    follows: list[Row]
    favorites: list[Row]
    comments: list[Row]
    login_email: str
    read_slug: str
    favorite_slugs: list[str]


def build_dataset(password_hash: str, n_users: int, n_articles: int, concurrency: int) -> Dataset:
    """Deterministic seed rows with distinct, timezone-aware UTC timestamps and time-ordered UUIDv7 ids."""
    rng = random.Random(RANDOM_SEED)  # noqa: S311
    now = datetime.now(UTC)

    user_times = _spread(now - timedelta(days=120), now - timedelta(days=90), n_users)
    user_ids = [_id_at(moment) for moment in user_times]
    emails = [f"bench_user_{i}@bench.example" for i in range(n_users)]
    users: list[Row] = [
        {
            "id": user_id,
            "username": f"bench_user_{i}",
            "email": emails[i],
            "password_hash": password_hash,
            "bio": f"I am bench user {i}." if i % 3 else None,
            "image": None,
            "created_at": moment,
            "updated_at": moment,
        }
        for i, (user_id, moment) in enumerate(zip(user_ids, user_times, strict=True))
    ]

    article_times = _spread(now - timedelta(days=90), now - timedelta(hours=1), n_articles)
    article_ids = [_id_at(moment) for moment in article_times]
    slugs = [f"benchmark-article-{i}" for i in range(n_articles)]
    articles: list[Row] = [
        {
            "id": article_id,
            "slug": slugs[i],
            "title": f"Benchmark article {i}",
            "description": _text(rng, 12),
            "body": "\n\n".join(_text(rng, 60) for _ in range(4)),
            "author_id": rng.choice(user_ids),
            "created_at": moment,
            "updated_at": moment,
        }
        for i, (article_id, moment) in enumerate(zip(article_ids, article_times, strict=True))
    ]

    tag_names = [f"tag-{i:02d}" for i in range(TAG_POOL_SIZE)]
    tagging = [
        (article_id, tag) for article_id in article_ids for tag in rng.sample(range(TAG_POOL_SIZE), TAGS_PER_ARTICLE)
    ]
    follows = [
        {"follower_id": follower, "followed_id": followed}
        for follower in user_ids
        for followed in rng.sample([u for u in user_ids if u != follower], min(FOLLOWS_PER_USER, n_users - 1))
    ]
    favorite_picks = [rng.sample(range(n_articles), min(FAVORITES_PER_USER, n_articles)) for _ in user_ids]
    favorites = [
        {"user_id": user_id, "article_id": article_ids[pick]}
        for user_id, picks in zip(user_ids, favorite_picks, strict=True)
        for pick in picks
    ]
    comments: list[Row] = []
    for _ in range(int(n_articles * COMMENTS_PER_ARTICLE)):
        pick = rng.randrange(n_articles)
        moment = article_times[pick] + timedelta(minutes=rng.randint(1, 50), microseconds=rng.randint(0, 999_999))
        comments.append(
            {
                "body": _text(rng, 25),
                "article_id": article_ids[pick],
                "author_id": rng.choice(user_ids),
                "created_at": moment,
                "updated_at": moment,
            }
        )

    not_yet_favorite = [slugs[i] for i in reversed(range(n_articles)) if i not in favorite_picks[0]]
    return Dataset(
        users=users,
        tag_names=tag_names,
        articles=articles,
        article_tags=tagging,
        follows=follows,
        favorites=favorites,
        comments=comments,
        login_email=emails[0],
        read_slug=slugs[n_articles // 2],
        favorite_slugs=[not_yet_favorite[i % len(not_yet_favorite)] for i in range(concurrency)],
    )


async def seed(database_url: str, n_users: int, n_articles: int, concurrency: int) -> Seeded:
    """Re-create the schema and fill it; Conduit is imported here, after the environment is set."""
    from conduit.db.engine import create_engine
    from conduit.db.models import (
        Article,
        Comment,
        Tag,
        User,
        article_tags,
        favorites,
        follows,
        orm_registry,
    )
    from conduit.lib.passwords import hash_password

    started = time.perf_counter()
    password_hash: str = await hash_password(PASSWORD)
    hash_seconds = time.perf_counter() - started
    data = build_dataset(password_hash, n_users, n_articles, concurrency)
    tags_table = cast("Table", Tag.__table__)

    engine = create_engine(database_url)
    try:
        started = time.perf_counter()
        async with engine.begin() as connection:
            await connection.run_sync(orm_registry.metadata.drop_all)
            await connection.run_sync(orm_registry.metadata.create_all)
        schema_seconds = time.perf_counter() - started

        started = time.perf_counter()
        async with engine.begin() as connection:
            await _insert_batches(connection, cast("Table", User.__table__), data.users)
            await _insert_batches(connection, tags_table, [{"name": name} for name in data.tag_names])
            names_and_ids = await connection.execute(select(tags_table.c.name, tags_table.c.id))
            tag_ids: dict[str, int] = dict(names_and_ids.all())
            await _insert_batches(connection, cast("Table", Article.__table__), data.articles)
            tagging = [
                {"article_id": article_id, "tag_id": tag_ids[data.tag_names[tag]]}
                for article_id, tag in data.article_tags
            ]
            await _insert_batches(connection, article_tags, tagging)
            await _insert_batches(connection, follows, data.follows)
            await _insert_batches(connection, favorites, data.favorites)
            await _insert_batches(connection, cast("Table", Comment.__table__), data.comments)
        insert_seconds = time.perf_counter() - started
        version = engine.dialect.server_version_info or ()
        dialect: str = engine.dialect.name
    finally:
        await engine.dispose()

    return Seeded(
        dialect=dialect,
        server_version=".".join(str(part) for part in version),
        counts={
            "users": len(data.users),
            "tags": len(data.tag_names),
            "articles": len(data.articles),
            "article_tags": len(tagging),
            "follows": len(data.follows),
            "favorites": len(data.favorites),
            "comments": len(data.comments),
        },
        login_email=data.login_email,
        read_slug=data.read_slug,
        favorite_slugs=data.favorite_slugs,
        tag=data.tag_names[0],
        hash_seconds=hash_seconds,
        schema_seconds=schema_seconds,
        insert_seconds=insert_seconds,
    )


def ensure_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            msg = f"port {port} on {HOST} is not free ({exc}); pick another with --port"
            raise SystemExit(msg) from None


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m conduit run`` in its own process group, so Ctrl-C reaches only this script."""
    command = [sys.executable, "-m", "conduit", "run", "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        return subprocess.Popen(  # noqa: S603
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
    except ProcessLookupError:
        return
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(log_path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


async def wait_until_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes], log_path: Path) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT_SECONDS:
        if process.poll() is not None:
            msg = f"server exited with status {process.returncode} during start-up:\n{log_tail(log_path)}"
            raise SystemExit(msg)
        try:
            if (await client.get("/api/tags")).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    msg = f"server did not answer /api/tags within {STARTUP_TIMEOUT_SECONDS:.0f}s:\n{log_tail(log_path)}"
    raise SystemExit(msg)


async def login(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/api/users/login", json={"user": {"email": email, "password": PASSWORD}})
    if response.status_code != 200:
        msg = f"login as {email} failed: HTTP {response.status_code} {response.text[:500]}"
        raise SystemExit(msg)
    token: str = response.json()["user"]["token"]
    return token


@dataclass(frozen=True)
class ProcessUsage:
    rss_bytes: int
    cpu_seconds: float
    processes: int


class ProcessTree:
    """The server process and all its descendants, read from /proc."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._ticks = os.sysconf("SC_CLK_TCK")

    def pids(self) -> list[int]:
        found: list[int] = []
        pending = [self.root]
        while pending:
            pid = pending.pop()
            found.append(pid)
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    pending.extend(int(child) for child in children.read_text().split())
                except OSError:
                    continue
        return found

    def usage(self) -> ProcessUsage:
        rss: list[int] = []
        cpu = 0.0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            rss.append(
                next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            )
            fields = stat.rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / self._ticks
        return ProcessUsage(sum(rss), cpu, len(rss))


@dataclass(frozen=True)
class Scenario:
    name: str
    request: Callable[[int, int], tuple[str, str]]
    """Given the worker number and its iteration, the method and path to send."""
    authenticated: bool


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    failures: int = 0
    first_error: str | None = None
    elapsed: float = 0.0
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    peak_rss_bytes: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, percent: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] * 1000

    def note_error(self, description: str) -> None:
        if self.first_error is None:
            self.first_error = description


def scenarios(seeded: Seeded) -> list[Scenario]:
    articles = f"/api/articles?limit={PAGE}"

    def fixed(method: str, path: str) -> Callable[[int, int], tuple[str, str]]:
        return lambda _worker, _iteration: (method, path)

    def favorite(worker: int, iteration: int) -> tuple[str, str]:
        return ("POST" if iteration % 2 == 0 else "DELETE", f"/api/articles/{seeded.favorite_slugs[worker]}/favorite")

    return [
        Scenario("GET /articles (anonymous)", fixed("GET", articles), authenticated=False),
        Scenario("GET /articles (token)", fixed("GET", articles), authenticated=True),
        Scenario("GET /articles/feed", fixed("GET", f"/api/articles/feed?limit={PAGE}"), authenticated=True),
        Scenario("GET /articles?tag=", fixed("GET", f"{articles}&tag={seeded.tag}"), authenticated=False),
        Scenario("GET /articles/:slug", fixed("GET", f"/api/articles/{seeded.read_slug}"), authenticated=True),
        Scenario("GET /tags", fixed("GET", "/api/tags"), authenticated=False),
        Scenario("POST+DELETE /favorite", favorite, authenticated=True),
    ]


class Sampler:
    """Samples the server's RSS in the background while a scenario runs."""

    def __init__(self, tree: ProcessTree) -> None:
        self.tree = tree
        self.peak = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.peak = max(self.peak, self.tree.usage().rss_bytes)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RSS_SAMPLE_INTERVAL_SECONDS)


async def run_scenario(
    client: httpx.AsyncClient, scenario: Scenario, token: str, duration: float, concurrency: int, tree: ProcessTree
) -> Result:
    headers = {"Authorization": f"Token {token}"} if scenario.authenticated else {}
    result = Result(scenario.name)
    issued = 0

    async def send(worker: int, iteration: int, *, record: bool) -> None:
        method, path = scenario.request(worker, iteration)
        started = time.perf_counter()
        try:
            response = await client.request(method, path, headers=headers)
        except httpx.HTTPError as exc:
            if record:
                result.failures += 1
                result.note_error(f"{method} {path}: {type(exc).__name__}: {exc}")
            return
        if not record:
            return
        result.latencies.append(time.perf_counter() - started)
        if not 200 <= response.status_code < 300:
            result.non_2xx += 1
            result.note_error(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")

    async def worker(number: int, deadline: float) -> None:
        nonlocal issued
        iteration = WARMUP_ROUNDS_PER_WORKER
        while time.perf_counter() < deadline and issued < MAX_REQUESTS_PER_SCENARIO:
            issued += 1
            await send(number, iteration, record=True)
            iteration += 1

    async def warm_up(number: int) -> None:
        for iteration in range(WARMUP_ROUNDS_PER_WORKER):
            await send(number, iteration, record=False)

    await asyncio.gather(*(warm_up(number) for number in range(concurrency)))

    sampler = Sampler(tree)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    before = tree.usage()
    client_cpu = time.process_time()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(duration + REQUEST_TIMEOUT_SECONDS + 5):
            await asyncio.gather(*(worker(number, started + duration) for number in range(concurrency)))
    finally:
        result.elapsed = time.perf_counter() - started
        result.client_cpu_seconds = time.process_time() - client_cpu
        after = tree.usage()
        result.server_cpu_seconds = after.cpu_seconds - before.cpu_seconds
        stop.set()
        await sampling
    result.peak_rss_bytes = max(sampler.peak, before.rss_bytes, after.rss_bytes)
    return result


@dataclass
class Report:
    startup_seconds: float
    rss_before: ProcessUsage
    results: list[Result]


async def benchmark(
    seeded: Seeded, process: subprocess.Popen[bytes], log_path: Path, port: int, duration: float, concurrency: int
) -> Report:
    tree = ProcessTree(process.pid)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", limits=limits, timeout=REQUEST_TIMEOUT_SECONDS, trust_env=False
    ) as client:
        startup_seconds = await wait_until_ready(client, process, log_path)
        print(f"server pid {process.pid} answered after {startup_seconds:.2f}s")
        token = await login(client, seeded.login_email)
        rss_before = tree.usage()
        print(f"server RSS before the scenarios: {_mib(rss_before.rss_bytes)} MiB ({rss_before.processes} process(es))")
        results = []
        for scenario in scenarios(seeded):
            result = await run_scenario(client, scenario, token, duration, concurrency, tree)
            results.append(result)
            print(
                f"  {result.name:<26} {result.completed:>8} requests  {result.rate:>8.1f} req/s  "
                f"p95 {result.percentile_ms(95):>8.1f} ms  non-2xx {result.non_2xx}  failed {result.failures}"
            )
            if result.first_error:
                print(f"    first error: {result.first_error}")
            if process.poll() is not None:
                msg = f"server exited with status {process.returncode}:\n{log_tail(log_path)}"
                raise SystemExit(msg)
    return Report(startup_seconds, rss_before, results)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def print_report(seeded: Seeded, report: Report, args: argparse.Namespace, database_url: str) -> None:
    header = (
        f"{'scenario':<26} {'requests':>8} {'non2xx':>6} {'failed':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'srv CPU%':>8} {'cli CPU%':>8} {'peak MiB':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for result in report.results:
        print(
            f"{result.name:<26} {result.completed:>8} {result.non_2xx:>6} {result.failures:>6} {result.rate:>8.1f} "
            f"{result.percentile_ms(50):>8.1f} {result.percentile_ms(95):>8.1f} {result.percentile_ms(99):>8.1f} "
            f"{result.percentile_ms(100):>8.1f} "
            f"{100 * result.server_cpu_seconds / result.elapsed:>8.0f} "
            f"{100 * result.client_cpu_seconds / result.elapsed:>8.0f} {_mib(result.peak_rss_bytes):>8}"
        )
    peak = max((result.peak_rss_bytes for result in report.results), default=0)
    print()
    print(
        f"server RSS: {_mib(report.rss_before.rss_bytes)} MiB before the scenarios, {_mib(peak)} MiB peak during them"
    )
    print(f"server start-up: {report.startup_seconds:.2f}s until /api/tags answered")
    print()
    version = f" {seeded.server_version}" if seeded.server_version else ""
    print(f"database:    {seeded.dialect}{version}  {make_url(database_url).render_as_string(hide_password=True)}")
    print(f"seeded rows: {', '.join(f'{name} {count}' for name, count in seeded.counts.items())}")
    print(
        f"seeding:     {seeded.total_rows} rows in {seeded.insert_seconds:.2f}s "
        f"({seeded.total_rows / seeded.insert_seconds:,.0f} rows/s), batches of {INSERT_BATCH_SIZE}"
    )
    print(
        f"load:        concurrency {args.concurrency}, {args.duration:g}s per scenario, "
        f"{WARMUP_ROUNDS_PER_WORKER} untimed warm-up requests per worker, one httpx client"
    )
    print(
        f"machine:     {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
        f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}, {platform.platform()}"
    )
    print(f"python:      {platform.python_implementation()} {platform.python_version()}")


def print_seeding(seeded: Seeded) -> None:
    rows = seeded.total_rows
    print(
        f"seeded {rows} rows in {seeded.insert_seconds:.2f}s ({rows / seeded.insert_seconds:,.0f} rows/s); "
        f"schema {seeded.schema_seconds:.2f}s, one argon2id hash {seeded.hash_seconds:.2f}s"
    )
    print(f"  {', '.join(f'{name} {count}' for name, count in seeded.counts.items())}")


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so the ``finally`` that stops the server runs."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_port_free(args.port)
    with interrupt_on_sigterm(), tempfile.TemporaryDirectory(prefix="conduit-bench-") as temporary:
        workdir = Path(temporary)
        database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        env = configure_environment(database_url, workdir / "var")
        shown_url = make_url(database_url).render_as_string(hide_password=True)
        print(f"wiping and seeding {shown_url}")
        try:
            seeded = asyncio.run(seed(database_url, args.users, args.articles, args.concurrency))
            print_seeding(seeded)
            log_path = workdir / "server.log"
            process = start_server(env, args.port, log_path)
            try:
                report = asyncio.run(benchmark(seeded, process, log_path, args.port, args.duration, args.concurrency))
            finally:
                stop_server(process)
        except KeyboardInterrupt:
            print("\ninterrupted; server stopped", file=sys.stderr)
            return 130
    print_report(seeded, report, args, database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
