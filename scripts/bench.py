"""Benchmark Conduit with wrk on demo data, on SQLite and PostgreSQL, against a raw-asyncpg floor.

For each database the script makes a fresh one (PostgreSQL ``conduit_bench``, or a SQLite file in a temporary
directory), runs ``conduit database upgrade`` and ``conduit demo-data`` with a fixed ``--seed`` and ``--until``
(same data every run; PostgreSQL then gets ``VACUUM ANALYZE``), starts ``conduit run`` and measures each scenario
with wrk: a warm-up whose figures are discarded, then the measured run, each followed by a pause until the server
and PostgreSQL have finished what wrk left in flight. On PostgreSQL it also measures the floor,
``scripts/bench_floor.py``: one raw asyncpg statement per request on the same data (two when signed in).
``--scale`` adds a second database of 10,000 users and 100,000 articles (``conduit_bench_scale``).

The servers of one database (the floor on PostgreSQL, Conduit on the small set, Conduit on the scale set) are all
up at once, and each scenario is measured on each of them in turn, one after the other, before the next scenario
starts: the floor's figures, the small set's, the scale set's, within a minute or so. This machine's speed drifts
by a third over minutes, so a ratio is only worth something between figures measured close together; the idle
servers cost next to nothing meanwhile.

How to read the figures:

- wrk is pinned to ``-t2`` (one thread per core of the 2-core reference machine) with 32 connections. It runs
  on the same machine as the server (one worker of ``conduit run`` unless ``--workers``) and PostgreSQL, and
  competes with them for the cores. Like ``conduit run``, the servers write an access log line per request (to a
  file here).
- errors = responses wrk counts as "Non-2xx or 3xx" (status 400 and up) + socket errors (connect, read, write,
  and responses slower than the 30 s timeout); the server logs, kept with ``--keep``, tell what they were.
- RSS is VmRSS from /proc of the server's processes (with the workers it forks), sampled every 100 ms during the
  measured run: the peak, and the value when wrk stopped.
- "x floor" is the scenario's req/s divided by the floor's list req/s (its tags req/s for the tags scenario).
  SQLite figures are compared with the PostgreSQL floor when both run; without PostgreSQL there is no floor.
  "x same work" divides a signed-in scenario (feed, list signed in) by the floor's own signed-in figure, which
  checks the same token and account and reads the reader's favorites and follows too: the share of the
  floor's speed Conduit keeps when both do that work. The scenarios those ratios rest on (list, list uncached,
  tags, feed, list signed in) are each measured just after the floor figures they are divided by ("list,
  before feed" in the floor's table); the others, and SQLite's, are divided by the mean of the floor's list
  figures, measured over the PostgreSQL half of the run.
- the search scenarios (``GET /api/articles?search=...&limit=20``) look for fixed words of the demo text (Faker's
  lorem words, each in 7% to 20% of the articles): one in no article, the least and the most common word, and a
  phrase of two common words; a note gives each one's ``articlesCount``. After the wrk runs each search is also
  asked by one client alone, one request after another (``SEQUENTIAL_REQUESTS`` after a few unmeasured ones): the
  "one client" table gives that p50 and p99, the latency of a search on an otherwise idle server (each request
  misses the response cache on purpose, see ``sequential_ms``).
- the anonymous scenarios (list, tag filter, one article, tags, searches, deep offset) are answered from Conduit's
  response cache after their first request, as anonymous reads are in production (``conduit.lib.caching``); the
  floor has no cache. The signed-in scenarios (feed, list signed in) and the writes never are, nor is "list,
  uncached" (``scripts/bench/miss.lua``), the list with a query parameter of its own on every request: the same
  one statement as the floor's, through Conduit's whole stack (which also stores its answer in the cache).
- favorite and unfavorite are real writes (``scripts/bench/favorite.lua``): favorite favorites (user, article)
  pairs that are not favorites yet, then as many again unmeasured; unfavorite deletes those favorites. The
  pairs are drawn at random from ``WRITERS`` (128) accounts, or every account of a smaller data set (the
  default small set has 50). A note says when a run used up its list, so that some of its requests changed
  nothing.

Servers, temporary files and (unless ``--keep``) the bench databases are removed on exit, also on Ctrl-C.
"""

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

from conduit.db.models import User
from conduit.lib.auth import Tokens

HOST, POSTGRES = "127.0.0.1", "postgresql://postgres@127.0.0.1:5432"
DATABASE_NAMES = {"small": "conduit_bench", "scale": "conduit_bench_scale"}
"""The PostgreSQL databases of the data sets (``--database-prefix`` replaces ``conduit_bench``)."""
SCALE_USERS, SCALE_ARTICLES = 10_000, 100_000
SEED, UNTIL = 7, "2026-11-01"
DEMO_PASSWORD = "conduit-demo"  # noqa: S105 - the password of every demo account
FLOOR_TOKEN_LIFETIME_SECONDS = 24 * 3600  # as long as a token Conduit issues by default
SECRET_KEY = "bench-secret-key-not-for-production-0123456789ab"  # noqa: S105 - 48 characters, scratch data only
CONNECTIONS, THREADS, WRK_TIMEOUT = 32, 2, "30s"
DRAIN_SECONDS, DRAIN_TIMEOUT_SECONDS, READY_TIMEOUT_SECONDS, RSS_INTERVAL_SECONDS = 1.0, 60.0, 60.0, 0.1
DEEP_OFFSET, SINGLE_REQUESTS, SEQUENTIAL_REQUESTS, SEQUENTIAL_WARMUP = 50_000, 20, 100, 5
SEARCHES = {
    "search, no match": "zeppelin",
    "search, rare word": "radio",
    "search, common word": "management",
    "search, phrase": '"culture certain"',
}
"""The search scenarios and what they look for: words of the demo text (``radio`` is the least common, in about 7% of
the articles, ``management`` the most common, in 20%; ``zeppelin`` is in none) and a phrase of two common words."""
WRITES_PER_SECOND_BUDGET = 1_000  # fresh pairs per second of favorite load, well above what one process manages
WRITERS = 4 * CONNECTIONS
"""How many accounts favorite.lua writes as at least, where the data set has them, whatever its size: each favorite
updates its writer's counter row, so a handful of writers behind 32 connections would measure their row locks'
queue."""
SCRIPTS = Path(__file__).resolve().parent
FLOOR_SCRIPT, LUA_DIR = SCRIPTS / "bench_floor.py", SCRIPTS / "bench"
Options = argparse.Namespace


@dataclass(frozen=True)
class DataSet:
    """One database filled by ``conduit demo-data``: ``engine`` is sqlite or postgresql, ``size`` small or scale."""

    engine: str
    size: str
    users: int
    articles: int
    url: str


@dataclass(frozen=True)
class Scenario:
    """One wrk run: GET ``path`` (with a token when signed in; with ``miss``, through miss.lua, each request with
    a query of its own), or POST/DELETE along favorite.lua's work list."""

    name: str
    path: str = ""
    method: str = "GET"
    token: str | None = None
    miss: bool = False
    note: str = ""
    """What its results' note says (the deep offset's offset, which differs between the data sets)."""


FLOOR_SCENARIOS = [Scenario("list", "/api/articles?limit=20"), Scenario("tags", "/api/tags")]
SIGNED_IN_SCENARIOS = {"feed": "/api/articles/feed?limit=20", "list signed in": "/api/articles?limit=20"}
"""The signed-in scenarios, which the floor measures too (signed in as the same reader), by name."""
PAIRED = {
    "list": ("list",),
    "list, uncached": ("list",),
    "tags": ("tags",),
    "feed": ("list", "feed"),
    "list signed in": ("list", "list signed in"),
}
"""The Conduit scenarios measured right after the floor scenarios they are divided by (the others are divided by
the mean of the floor's list figures)."""


@dataclass(frozen=True)
class Writes:
    """favorite.lua's material: the writers' Authorization headers (a file), and "<header line> <slug>" work lines
    for shuffled (user, article) pairs that are not favorites yet; a run's lines go to ``work_file``."""

    tokens_file: Path
    work_file: Path
    fresh: list[str]
    made: list[str] = field(default_factory=list)
    """The lines favorite favorited (filled by its run), which unfavorite deletes."""


@dataclass
class Result:
    """The figures of one measured scenario."""

    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_peak_mib: float
    rss_end_mib: float
    ratio_to_floor: float | None = None
    ratio_to_same_work: float | None = None
    note: str = ""
    paired: dict[str, float] = field(default_factory=dict)
    """The floor's figures measured just before this one (see ``PAIRED``), by the floor scenario's name."""
    beside: str = ""
    """A floor figure's: the Conduit scenario it is paired with (measured after it, and after the floor's other
    figures for that scenario)."""


@dataclass
class Run:
    """Every scenario measured against one server (conduit or floor) on one data set."""

    server: str
    dataset: DataSet
    results: list[Result]
    deep_offset_single_ms: float | None = None
    sequential: dict[str, tuple[float, float]] | None = None
    """The search scenarios' p50 and p99 (ms), one client asking one request after another."""


def parse_args() -> Options:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--users", type=int, default=50, help="demo users of the small data set")
    parser.add_argument("--articles", type=int, default=1_000, help="demo articles of the small data set")
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of discarded load before each scenario")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the Conduit server (1-3)")
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="also measure Conduit as of this git revision (a worktree of it, same data, same run), before this one",
    )
    parser.add_argument("--scale", action="store_true", help="also measure 10,000 users / 100,000 articles")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases, SQLite files and server logs")
    parser.add_argument("--scenarios", help="measure only the scenarios whose name contains this text, e.g. search")
    parser.add_argument(
        "--database-prefix", default="conduit_bench", help="name of the PostgreSQL bench databases (+ _scale)"
    )
    args = parser.parse_args()
    DATABASE_NAMES.update(small=args.database_prefix, scale=f"{args.database_prefix}_scale")
    if min(args.users, args.articles, args.duration) < 1:
        parser.error("--users, --articles and --duration must be at least 1")
    return args


def ensure_wrk() -> str:
    """The path of wrk, installed with apt-get when missing and running as root."""
    if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)  # noqa: S607
    return shutil.which("wrk") or sys.exit("bench: wrk is not installed; install it (Debian: apt-get install -y wrk)")


def conduit(
    dataset: DataSet, var_dir: Path, *arguments: str, python: str = sys.executable
) -> tuple[list[str], dict[str, str]]:
    """A ``conduit`` command line and the environment that points it at the data set (``python``: the interpreter
    of the checkout to run, this one's by default)."""
    env = {"DATABASE_URL": dataset.url, "CONDUIT_VAR_DIR": str(var_dir), "CONDUIT_ENV": "development"}
    # 32 clients writing from one address measure the server, not the write limit.
    env |= {"SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING", "WRITES_PER_MINUTE": "0"}
    return [python, "-m", "conduit", *arguments], {**os.environ, **env}


async def postgres(database: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements one by one, outside any transaction, on a local PostgreSQL database; the last one's rows."""
    connection = await asyncpg.connect(f"{POSTGRES}/{database}")
    try:
        answers = [await connection.fetch(statement) for statement in statements]
        return [tuple(row) for row in answers[-1]]
    finally:
        await connection.close()


def fetch(dataset: DataSet, query: str) -> list[tuple[Any, ...]]:
    """The rows of a read-only query on a data set's database, straight through its driver."""
    if dataset.engine == "postgresql":
        return asyncio.run(postgres(DATABASE_NAMES[dataset.size], query))
    with closing(sqlite3.connect(dataset.url.removeprefix("sqlite+aiosqlite:///"))) as connection:
        return connection.execute(query).fetchall()


def build(dataset: DataSet, var_dir: Path) -> None:
    """Make the data set's database afresh, migrate it and fill it with demo data."""
    name, started = DATABASE_NAMES[dataset.size], time.monotonic()
    if dataset.engine == "postgresql":
        asyncio.run(postgres("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"))
    else:
        database = Path(dataset.url.removeprefix("sqlite+aiosqlite:///"))
        for path in (database, database.with_name(f"{database.name}-wal"), database.with_name(f"{database.name}-shm")):
            path.unlink(missing_ok=True)
    demo = ["--users", str(dataset.users), "--articles", str(dataset.articles), "--seed", str(SEED), "--until", UNTIL]
    for arguments in (["database", "upgrade", "--no-prompt"], ["demo-data", *demo, "--quiet"]):
        command, env = conduit(dataset, var_dir, *arguments)
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"conduit {arguments[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    if dataset.engine == "postgresql":
        asyncio.run(postgres(name, "VACUUM ANALYZE"))
    print(f"  built {dataset.users:,} users / {dataset.articles:,} articles in {time.monotonic() - started:.0f} s")


def drop_database(name: str) -> None:
    """Drop a bench database of the local PostgreSQL server."""
    asyncio.run(postgres("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def api(base_url: str, path: str, body: object = None) -> Any:
    """The decoded JSON answer of one API request: GET, or POST when there is a body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - always http://127.0.0.1
        return json.load(response)


def sign_in(base_url: str, email: str) -> str:
    """A demo user's token."""
    answer = api(base_url, "/api/users/login", {"user": {"email": email, "password": DEMO_PASSWORD}})
    return str(answer["user"]["token"])


@contextmanager
def serve(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Start a server (its ``--port`` is added) in its own process group; yield its URL and pid once GET /api/tags
    answers, and stop the whole group afterwards."""
    with socket.socket() as probe:  # a port nothing listens on right now
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603
            [*command, "--port", str(port)], env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            try:
                api(f"http://{HOST}:{port}", "/api/tags")
                break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start ({exc}):\n{log.read_text()[-2000:]}") from exc
                time.sleep(0.2)
        yield f"http://{HOST}:{port}", process.pid
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def process_group(pgid: int) -> list[int]:
    """The processes of a process group: a server started in its own session and the workers it forks."""
    pids = []
    for entry in Path("/proc").iterdir():
        with suppress(ValueError, OSError):  # not a process, or one that has gone
            pids += [int(entry.name)] if os.getpgid(int(entry.name)) == pgid else []
    return pids


def usage(pids: list[int]) -> tuple[int, int]:
    """The summed VmRSS (bytes) and CPU time (clock ticks) of these processes; those that have gone count zero."""
    rss = ticks = 0
    for pid in pids:
        with suppress(OSError, IndexError):  # gone, or a zombie without memory
            ticks += sum(map(int, Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]))
            rss += int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) * 1024
    return rss, ticks


def drain(pid: int, dataset: DataSet) -> None:
    """Let the server finish what wrk left in flight: pause, then wait until its processes stay under 5% of a core
    for half a second and PostgreSQL runs no query on the bench database (for at most a minute)."""
    time.sleep(DRAIN_SECONDS)
    pids, deadline = process_group(pid), time.monotonic() + DRAIN_TIMEOUT_SECONDS
    queries = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND datname = current_database()"
    queries += " AND backend_type = 'client backend'"
    while time.monotonic() < deadline:
        used = usage(pids)[1]
        time.sleep(0.5)
        quiet = usage(pids)[1] - used < 0.025 * os.sysconf("SC_CLK_TCK")
        if quiet and (dataset.engine != "postgresql" or fetch(dataset, queries) == [(1,)]):  # 1: this query
            return


def run_wrk(base_url: str, pid: int, scenario: Scenario, seconds: int, lua: list[str], starts: list[int]) -> Any:
    """Load the server for ``seconds`` as the scenario says (through favorite.lua with ``lua`` arguments and
    per-thread start positions, if any): the figures report.lua prints as JSON, with "rss", the RSS of the
    server's process tree sampled meanwhile (the last sample once wrk has stopped)."""
    command = [ensure_wrk(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT]
    if lua:
        command += ["-s", str(LUA_DIR / "favorite.lua"), base_url, "--", *lua, ",".join(map(str, starts))]
    else:
        command += ["-s", str(LUA_DIR / ("miss.lua" if scenario.miss else "report.lua")), base_url + scenario.path]
        command += ["-H", f"Authorization: Token {scenario.token}"] if scenario.token else []
        command += ["--", str(time.monotonic_ns())] if scenario.miss else []  # miss.lua's name for this run
    pids, samples = process_group(pid), []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as wrk:  # noqa: S603
        try:
            while wrk.poll() is None:
                samples.append(usage(pids)[0])
                time.sleep(RSS_INTERVAL_SECONDS)
        finally:
            wrk.kill()  # only when interrupted: otherwise it has exited
        output, errors = wrk.communicate()
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if wrk.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed on {scenario.name}: {errors or output}")
    return {**json.loads(lines[-1]), "rss": [*samples, usage(pids)[0]]}


@dataclass(frozen=True)
class Floor:
    """The floor's server, kept up while Conduit is measured, and its scenarios by name."""

    base_url: str
    pid: int
    scenarios: dict[str, Scenario]
    results: list[Result]
    """Every floor figure, in the order measured (the same scenario once per Conduit scenario it is paired with)."""


def measure(
    base_url: str,
    pid: int,
    dataset: DataSet,
    scenarios: list[Scenario],
    args: Options,
    writes: Writes | None,
    floor: Floor | None = None,
    label: str = "",
) -> list[Result]:
    """Warm up, drain, measure and drain each scenario in turn. A write's measured run continues its work lines where
    the warm-up stopped. favorite.lua's threads walk them from both ends, so none is used twice before all are:
    favorite favorites fresh pairs, then as many again unmeasured; unfavorite deletes exactly what it made.

    With ``floor``, each scenario that ``PAIRED`` names is measured right after the floor's scenarios it is divided
    by, so that both figures come from the same minute of a machine whose speed drifts."""
    results: list[Result] = []
    for scenario in scenarios:
        paired: dict[str, float] = {}
        if floor is not None:
            for name in PAIRED.get(scenario.name, ()):
                [figure] = measure(
                    floor.base_url, floor.pid, dataset, [floor.scenarios[name]], args, None, label="floor "
                )
                floor.results.append(replace(figure, beside=scenario.name))
                paired[name] = figure.requests_per_second
        lua: list[str] = []
        work: list[str] = []
        if writes and scenario.method != "GET":
            work = writes.fresh if scenario.method == "POST" else writes.made
            writes.work_file.write_text("".join(work))
            lua = [scenario.method, str(writes.tokens_file), str(writes.work_file)]
        starts = [0] * THREADS
        if args.warmup:
            warmup = run_wrk(base_url, pid, scenario, args.warmup, lua, starts)
            starts = [reached + 1 for reached in warmup["reached"]]
            drain(pid, dataset)
        figures = run_wrk(base_url, pid, scenario, args.duration, lua, starts)
        (front, back), note = figures["reached"], ""
        if lua and (used := front + back + 2) > len(work):
            note = f"used up its {len(work)} work lines: about {used - len(work)} requests changed nothing"
        if writes and scenario.method == "POST":  # as much again, so that unfavorite, if faster, has enough
            more = run_wrk(base_url, pid, scenario, args.warmup + args.duration, lua, [front + 1, back + 1])
            writes.made[:] = work[: more["reached"][0] + 1] + work[len(work) - 1 - more["reached"][1] :]
        rps = figures["requests"] * 1e6 / figures["duration_us"]
        errors = figures["status_errors"] + figures["socket_errors"]
        latency, rss = (figures["p50_us"] / 1e3, figures["p99_us"] / 1e3), [sample / 2**20 for sample in figures["rss"]]
        note = "; ".join(part for part in (scenario.note, note) if part)
        results.append(Result(scenario.name, rps, *latency, errors, max(rss), rss[-1], note=note, paired=paired))
        print(f"    {label + scenario.name:<18} {rps:8.1f} req/s  {errors} errors  {note}")
        drain(pid, dataset)
    return results


def prepare(dataset: DataSet, base_url: str, workdir: Path, args: Options) -> tuple[list[Scenario], Writes]:
    """Conduit's scenarios (the deep offset last): signed in as the user who follows the most people, filtered by
    the most used tag. And favorite.lua's material for as many writers as the run may need."""
    _, reader, _ = heaviest_follower(dataset)
    slugs = [row[0] for row in fetch(dataset, "SELECT slug FROM articles ORDER BY slug")]
    budget = 2 * WRITES_PER_SECOND_BUDGET * (args.warmup + args.duration)
    count = max(WRITERS, math.ceil(budget / len(slugs)) + 1)
    writers = f"SELECT email FROM users ORDER BY email LIMIT {count:d}"  # noqa: S608
    favorites = "SELECT u.email, a.slug FROM favorites AS f JOIN users AS u ON u.id = f.user_id JOIN articles AS a"
    taken = set(fetch(dataset, f"{favorites} ON a.id = f.article_id WHERE u.email IN ({writers})"))
    line = {email: number for number, (email,) in enumerate(fetch(dataset, writers), 1)}
    emails, pairs = list(line), len(line) * len(slugs)
    # a reproducible order, not a secret; drawn without listing every (writer, article) pair of a large data set
    drawn = random.Random(SEED).sample(range(pairs), min(pairs, budget + len(taken)))  # noqa: S311
    chosen = ((emails[number // len(slugs)], slugs[number % len(slugs)]) for number in drawn)
    fresh = [f"{line[email]} {slug}\n" for email, slug in chosen if (email, slug) not in taken][:budget]
    files = f"{dataset.engine}-{dataset.size}"
    writes = Writes(workdir / f"tokens-{files}", workdir / f"work-{files}", fresh)
    writes.tokens_file.write_text("".join(f"Token {sign_in(base_url, email)}\n" for email in line))
    tags = "SELECT t.name FROM tags AS t JOIN article_tags AS at ON at.tag_id = t.id GROUP BY t.name"
    token, tag = sign_in(base_url, reader), fetch(dataset, f"{tags} ORDER BY count(*) DESC, t.name LIMIT 1")[0][0]
    offset = DEEP_OFFSET if dataset.articles > DEEP_OFFSET + 20 else max(dataset.articles - 40, 0)
    scenarios = [
        Scenario("list", "/api/articles?limit=20"),
        Scenario("list, uncached", "/api/articles?limit=20", miss=True),
        Scenario("tag filter", f"/api/articles?tag={quote(tag)}&limit=20"),
        Scenario("one article", f"/api/articles/{slugs[len(slugs) // 2]}"),
        Scenario("tags", "/api/tags"),
        *(Scenario(name, path, token=token) for name, path in SIGNED_IN_SCENARIOS.items()),
        Scenario("favorite", method="POST"),
        Scenario("unfavorite", method="DELETE"),
        Scenario("web home", "/"),
        *(Scenario(name, f"/api/articles?search={quote(words)}&limit=20") for name, words in SEARCHES.items()),
        Scenario("deep offset", f"/api/articles?limit=20&offset={offset}", note=f"offset {offset:,}"),
    ]
    if args.scenarios:
        scenarios = [scenario for scenario in scenarios if args.scenarios in scenario.name]
    return scenarios, writes


def sequential_ms(url: str, requests: int, warmup: int = 0) -> list[float]:
    """The wall times of ``requests`` sequential requests to one URL (after ``warmup`` unmeasured), in milliseconds.

    Each asks with a query parameter of its own (``uncached=N``, which Conduit ignores), so that none is answered
    from the response cache: these figures are what the read itself costs."""
    timings = []
    for number in range(warmup + requests):
        started = time.perf_counter()
        fresh = f"{url}{'&' if '?' in url else '?'}uncached={number}"
        with urllib.request.urlopen(fresh, timeout=60) as response:  # noqa: S310 - always http://127.0.0.1
            response.read()
        if number >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def single_request_ms(url: str) -> float:
    """The median wall time of sequential requests to one URL, in milliseconds."""
    return statistics.median(sequential_ms(url, SINGLE_REQUESTS))


@dataclass
class Served:
    """One Conduit server on one data set: its scenarios, favorite.lua's material and its figures so far."""

    dataset: DataSet
    base_url: str
    pid: int
    scenarios: list[Scenario]
    writes: Writes
    run: Run


def bench_engine(datasets: list[DataSet], workdir: Path, args: Options) -> list[Run]:
    """Build one database engine's data sets, serve Conduit on all of them, and measure scenario by scenario: each
    scenario on the small set (on PostgreSQL just after the floor figures it is divided by), then right after on
    the scale set, so that a ratio divides figures measured a minute apart, not the machine's drift between them."""
    for dataset in datasets:
        print(f"{dataset.engine}, {dataset.users:,} users / {dataset.articles:,} articles:")
        build(dataset, var_dir(workdir, dataset))
    names = [scenario.name for scenario in FLOOR_SCENARIOS] + list(SIGNED_IN_SCENARIOS)
    floored = not args.scenarios or any(args.scenarios in name or name in args.scenarios for name in names)
    servers = [("conduit", sys.executable)]
    if args.compare:
        servers.insert(0, (f"conduit {args.compare}", checkout(args.compare, workdir)))
    runs: list[Run] = []
    floors: list[Run] = []
    for number, (server, python) in enumerate(servers):
        for dataset in datasets if number else ():
            build(dataset, var_dir(workdir, dataset))  # the same data afresh: the previous server's writes changed it
        with ExitStack() as stack:
            small = datasets[0]
            floor = None
            if small.engine == "postgresql" and floored:
                print("  floor (scripts/bench_floor.py), measured just before the conduit scenarios it is paired with")
                floor = start_floor(small, workdir, stack)
            print(f"  {server}" + (", on each data set in turn" if len(datasets) > 1 else ""))
            served = [serve_conduit(server, dataset, workdir, args, python, stack) for dataset in datasets]
            orders = [[scenario.name for scenario in one.scenarios] for one in served]
            if any(order != orders[0] for order in orders):
                raise RuntimeError(f"the data sets' scenarios differ: {orders}")
            for index in range(len(served[0].scenarios)):
                for one in served:
                    paired = floor if one.dataset is small else None
                    label = f"{one.dataset.articles:,} " if len(served) > 1 else ""
                    scenario = one.scenarios[index]
                    one.run.results += measure(
                        one.base_url, one.pid, one.dataset, [scenario], args, one.writes, paired, label
                    )
            for one in served:
                time_one_client(one)
            runs += [one.run for one in served]
            if floor is not None and floor.results:
                floors.append(Run("floor" if len(servers) == 1 else f"floor beside {server}", small, floor.results))
    return floors + runs


def var_dir(workdir: Path, dataset: DataSet) -> Path:
    """Where a data set's Conduit keeps its files."""
    return workdir / f"var-{dataset.engine}-{dataset.size}"


def start_floor(dataset: DataSet, workdir: Path, stack: ExitStack) -> Floor:
    """Serve the floor on the data set until ``stack`` closes, signed in for its signed-in scenarios."""
    command = [sys.executable, str(FLOOR_SCRIPT), "--dsn", f"{POSTGRES}/{DATABASE_NAMES[dataset.size]}"]
    command += ["--secret-key", SECRET_KEY]
    base_url, pid = stack.enter_context(serve(command, dict(os.environ), workdir / "floor.log"))
    token = reader_token(dataset)
    scenarios = [*FLOOR_SCENARIOS, *(Scenario(name, path, token=token) for name, path in SIGNED_IN_SCENARIOS.items())]
    return Floor(base_url, pid, {scenario.name: scenario for scenario in scenarios}, [])


def heaviest_follower(dataset: DataSet) -> tuple[Any, str, int]:
    """The id, email and token version of the user who follows the most people (the first by email of those): the
    reader of the signed-in scenarios, Conduit's and the floor's."""
    follows = "SELECT u.id, u.email, u.token_version FROM users AS u JOIN follows AS f ON f.follower_id = u.id"
    [(user_id, email, token_version)] = fetch(
        dataset, f"{follows} GROUP BY u.id, u.email, u.token_version ORDER BY count(*) DESC, u.email LIMIT 1"
    )
    return user_id, email, token_version


def reader_token(dataset: DataSet) -> str:
    """A token of the reader ``prepare`` signs in as, as Conduit issues it, for the floor's signed-in scenarios:
    Conduit is not running yet to sign in to."""
    user_id, _, token_version = heaviest_follower(dataset)

    async def unused(*_: Any) -> None:
        return None

    tokens = Tokens(SECRET_KEY, FLOOR_TOKEN_LIFETIME_SECONDS, unused)
    return tokens.issue(User(id=user_id, token_version=token_version))


def checkout(revision: str, workdir: Path) -> str:
    """The Python of a worktree of ``revision`` made in ``workdir`` (removed with it), with that revision's locked
    dependencies installed into the worktree's own ``.venv``."""
    tree = workdir / f"rev-{revision.replace('/', '_')}"
    if not tree.exists():
        git = ["git", "worktree", "add", "--detach", "--quiet", str(tree), revision]
        subprocess.run(git, cwd=SCRIPTS.parent, check=True)  # noqa: S603
        uv = shutil.which("uv") or str(SCRIPTS.parent / ".tools" / "bin" / "uv")
        subprocess.run([uv, "sync", "--frozen", "--no-dev", "--quiet"], cwd=tree, check=True)  # noqa: S603
    return str(tree / ".venv" / "bin" / "python")


def serve_conduit(server: str, dataset: DataSet, workdir: Path, args: Options, python: str, stack: ExitStack) -> Served:
    """Start Conduit (this checkout's, or the one ``python`` runs) on a data set until ``stack`` closes, and prepare
    its scenarios."""
    place = var_dir(workdir, dataset)
    command, env = conduit(dataset, place, "run", "--host", HOST, "--wc", str(args.workers), python=python)
    log = workdir / f"{server.replace(' ', '-')}-{dataset.engine}-{dataset.size}.log"
    base_url, pid = stack.enter_context(serve(command, env, log))
    scenarios, writes = prepare(dataset, base_url, workdir, args)
    return Served(dataset, base_url, pid, scenarios, writes, Run(server, dataset, []))


def time_one_client(one: Served) -> None:
    """The deep offset and the searches, asked by one client alone, one request after another."""
    run, base_url, scenarios = one.run, one.base_url, one.scenarios
    if scenarios and scenarios[-1].name == "deep offset":
        run.deep_offset_single_ms = single_request_ms(base_url + scenarios[-1].path)
    run.sequential = {}
    for scenario in (scenario for scenario in scenarios if scenario.name in SEARCHES):
        timings = sequential_ms(base_url + scenario.path, SEQUENTIAL_REQUESTS, SEQUENTIAL_WARMUP)
        run.sequential[scenario.name] = (percentile(timings, 0.5), percentile(timings, 0.99))
        matches = api(base_url, scenario.path)["articlesCount"]
        result = next(result for result in run.results if result.scenario == scenario.name)
        result.note = f"{SEARCHES[scenario.name]} matches {matches:,} articles"


def add_floor_ratios(runs: list[Run]) -> None:
    """Divide each small-set req/s by the floor's list req/s (the tags req/s by the floor's tags req/s): the figure
    measured just before it where it has one (``PAIRED``), else the mean of the floor's figures; and each signed-in
    scenario's by the floor's own figure for it ("x same work")."""
    measured: dict[str, list[float]] = {}
    for result in (r for run in runs if run.server.startswith("floor") for r in run.results):
        measured.setdefault(result.scenario, []).append(result.requests_per_second)
    mean = {name: statistics.fmean(figures) for name, figures in measured.items()}
    for result in (
        r
        for run in runs
        if mean and run.dataset.size == "small" and not run.server.startswith("floor")
        for r in run.results
    ):
        floor = {**mean, **result.paired}
        if by := floor.get("tags" if result.scenario == "tags" else "list"):  # absent when --scenarios left it out
            result.ratio_to_floor = result.requests_per_second / by
        if result.scenario in SIGNED_IN_SCENARIOS and (same := floor.get(result.scenario)):
            result.ratio_to_same_work = result.requests_per_second / same


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Print rows as an aligned plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * width for width in widths], *rows]:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))]
        print("  ".join(cells).rstrip())


def shown(result: Result) -> list[float]:
    """The figures of a result that the tables show, as numbers."""
    return [result.requests_per_second, result.p50_ms, result.p99_ms, result.errors, result.rss_peak_mib]


def number(value: float) -> str:
    """A figure as the tables show it: counts whole, the rest with one decimal."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def change(before: float, after: float) -> str:
    """A small-set figure, the scale-set one and their ratio (none for counts, nor when the first is zero)."""
    ratio = f" (x{after / before:.2f})" if isinstance(before, float) and before else ""
    return f"{number(before)} -> {number(after)}{ratio}"


def print_report(runs: list[Run]) -> None:
    """A table per server and database for the small set, then one small-versus-scale table per database."""
    header = [
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "RSS peak MiB",
        "RSS end MiB",
        "x floor",
        "x same work",
    ]
    for run, data in ((run, run.dataset) for run in runs if run.dataset.size == "small"):
        rows = []
        for r in run.results:
            ratios = ("" if ratio is None else f"{ratio:.2f}" for ratio in (r.ratio_to_floor, r.ratio_to_same_work))
            name = f"{r.scenario}, before {r.beside}" if r.beside else r.scenario
            rows.append([name, *map(number, shown(r)), number(r.rss_end_mib), *ratios])
        print_table(f"{run.server} on {data.engine}, {data.users:,} users / {data.articles:,} articles", header, rows)
    small = {(run.server, run.dataset.engine): run for run in runs if run.dataset.size == "small"}
    print_comparison(runs)
    for scale, data in ((run, run.dataset) for run in runs if run.dataset.size == "scale"):
        base = small[scale.server, data.engine]
        pairs = zip(base.results, scale.results, strict=True)
        rows = [[after.scenario, *map(change, shown(before), shown(after))] for before, after in pairs]
        title = (
            f"{scale.server} on {data.engine}, {base.dataset.articles:,} -> {data.articles:,} articles (x scale/small)"
        )
        print_table(title, ["scenario", "req/s", "p50 ms", "p99 ms", "errors", "RSS peak MiB"], rows)
    for run, data in ((run, run.dataset) for run in runs if run.sequential):
        title = (
            f"conduit on {data.engine}, {data.articles:,} articles, one client ({SEQUENTIAL_REQUESTS} requests each)"
        )
        rows = [[name, number(p50), number(p99)] for name, (p50, p99) in (run.sequential or {}).items()]
        print_table(title, ["scenario", "p50 ms", "p99 ms"], rows)
    print()
    for run, data in ((run, run.dataset) for run in runs):
        where = f"{run.server} on {data.engine}, {data.articles:,} articles"
        for result in (result for result in run.results if result.note):
            print(f"note: {where}, {result.scenario}: {result.note}")
        if run.deep_offset_single_ms is not None:
            single = f"{run.deep_offset_single_ms:,.1f} ms (median of {SINGLE_REQUESTS} sequential requests)"
            print(f"{where}, {run.results[-1].scenario}, one request at a time: {single}")


def print_comparison(runs: list[Run]) -> None:
    """With ``--compare``: each scenario's ratio to the floor, the other revision's beside this checkout's."""
    for data in {run.dataset for run in runs if run.dataset.size == "small"}:
        mine = [run for run in runs if run.dataset == data and run.server.startswith("conduit")]
        if len(mine) < 2 or not any(r.ratio_to_floor is not None for r in mine[0].results):
            continue
        header = ["scenario", *(f"{run.server} x floor" for run in mine)]
        rows = [
            [results[0].scenario, *(f"{r.ratio_to_floor:.2f}" if r.ratio_to_floor else "" for r in results)]
            for results in zip(*(run.results for run in mine), strict=True)
        ]
        print_table(f"ratio to the floor on {data.engine}, {data.articles:,} articles", header, rows)


def main() -> int:
    """Build, measure and report every selected data set; clean up whatever happens."""
    args = parse_args()
    ensure_wrk()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up on SIGTERM as on Ctrl-C
    engines = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    sizes = [("small", args.users, args.articles)] + ([("scale", SCALE_USERS, SCALE_ARTICLES)] if args.scale else [])
    runs: list[Run] = []
    with ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="conduit-bench-"))
        if args.compare:  # after the folder is gone: git forgets the worktree made in it
            cleanup.callback(subprocess.run, ["git", "worktree", "prune"], cwd=SCRIPTS.parent, check=False)
        if not args.keep:
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        try:
            for engine in engines:
                datasets = []
                for size, users, articles in sizes:
                    if engine == "postgresql":
                        url = f"postgresql+asyncpg://{POSTGRES.split('://')[1]}/{DATABASE_NAMES[size]}"
                        if not args.keep:
                            cleanup.callback(drop_database, DATABASE_NAMES[size])
                    else:
                        url = f"sqlite+aiosqlite:///{workdir / f'{size}.sqlite3'}"
                    datasets.append(DataSet(engine, size, users, articles, url))
                runs += bench_engine(datasets, workdir, args)
        except KeyboardInterrupt:
            print("\ninterrupted: cleaning up")
            return 130
        except (RuntimeError, OSError) as exc:
            where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
            print(f"bench: {exc}{where}", file=sys.stderr)
            return 1
    add_floor_ratios(runs)
    print_report(runs)
    if args.keep:
        print(f"kept: logs and SQLite files in {workdir}, and the PostgreSQL databases (conduit_bench...) if any")
    if args.json:
        settings = {**vars(args), "json": str(args.json), "seed": SEED, "until": UNTIL, "cpus": os.cpu_count()}
        settings |= {"connections": CONNECTIONS, "threads": THREADS}
        args.json.write_text(json.dumps({"settings": settings, "runs": [asdict(run) for run in runs]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
