"""Processes the scale-out tests start: PgBouncer in transaction mode, and real ``conduit run`` servers.

Each runs on a free port of 127.0.0.1 in front of a database the test names, writes its output to a
file in the test's folder, and is stopped (and waited for) when the test ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy.engine import make_url

PGBOUNCER = Path("/usr/sbin/pgbouncer")
START_TIMEOUT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    """Poll ``ready`` until it is true, or fail naming ``what`` and showing the end of ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""
    raise AssertionError(f"{what} did not start within {timeout} s; its log ends with:\n{tail}")


@contextmanager
def pgbouncer(database_url: str, workdir: Path, *, pool_size: int = 2) -> Iterator[str]:
    """PgBouncer in transaction mode in front of ``database_url``; yields the URL clients use instead.

    Its pool holds ``pool_size`` server connections, fewer than Conduit's clients, so that consecutive
    transactions of one client run on different server connections, as under production load.
    """
    target = make_url(database_url)
    port = free_port()
    config = workdir / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"conduit = host={target.host or '127.0.0.1'} port={target.port or 5432} dbname={target.database} "
        f"user={target.username or 'postgres'}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\n"
        "server_reset_query = DISCARD ALL\n"
    )
    log_path = workdir / "pgbouncer.log"
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []  # PgBouncer refuses to run as root
    with log_path.open("w") as log:
        process = subprocess.Popen([str(PGBOUNCER), *as_user, str(config)], stdout=log, stderr=log)  # noqa: S603
    try:
        wait_until(lambda: _accepts(port), 10, "PgBouncer", log_path)
        yield target.set(host="127.0.0.1", port=port, database="conduit").render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)


def require_pgbouncer() -> None:
    """Skip the test when Debian's PgBouncer is not installed; under CI=true, where it must be, fail it."""
    if PGBOUNCER.exists():
        return
    reason = f"PgBouncer not found at {PGBOUNCER} (apt-get install pgbouncer)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Server:
    """A ``conduit run`` process and the address it serves."""

    process: subprocess.Popen[bytes]
    address: str
    log: Path

    def wait_until_live(self) -> None:
        wait_until(self._live, START_TIMEOUT_SECONDS, f"conduit run at {self.address}", self.log)

    def processes(self) -> list[int]:
        """This server's process and every process below it (Granian's workers)."""
        found, pending = [], [self.process.pid]
        while pending:
            pid = pending.pop()
            found.append(pid)
            pending.extend(children_of(pid))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def _live(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"conduit run exited with {self.process.returncode}:\n{self.log.read_text()}")
        try:
            return httpx.get(f"{self.address}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False


def start_conduit(environment: dict[str, str], workdir: Path, *arguments: str) -> Server:
    """Start ``conduit run`` on a free port with ``environment`` (on top of this process's); it is not live yet."""
    port = free_port()
    log = workdir / f"conduit-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "conduit", "run", "--host", "127.0.0.1", "--port", str(port), *arguments],
            env={**os.environ, **environment},
            stdout=output,
            stderr=output,
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


@contextmanager
def conduit_servers(*servers: tuple[dict[str, str], tuple[str, ...]], workdir: Path) -> Iterator[list[Server]]:
    """Start several ``conduit run`` servers side by side, wait until all serve, stop them all at the end."""
    started = [start_conduit(environment, workdir, *arguments) for environment, arguments in servers]
    try:
        for server in started:
            server.wait_until_live()
        yield started
    finally:
        for server in started:
            server.stop()


def redis_reachable(url: str) -> bool:
    """Whether the Redis server ``url`` names answers a PING."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid``, read from /proc (empty when /proc is not there)."""
    children = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.parent.name))
    return children
