"""A PostgreSQL server of the test's own, for fault-injection tests.

``ThrowawayPostgres`` runs ``initdb`` into a temporary folder and serves it on a free port of
127.0.0.1, so a test can stop, kill and restart it without touching the machine's own server.
Everything it does is confined to its temporary folder: ``pg_ctl`` is only ever pointed at that
data directory, and only the postmaster named by that directory's ``postmaster.pid`` is signalled.

All methods block, so they can be called from inside a running event loop (the loop simply waits);
``execute`` runs its own loop in a fresh thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import asyncpg
import pytest

from tests.support.servers import children_of

__all__ = ["PostgresServerError", "ThrowawayPostgres"]

_POSTGRES_USER = "postgres"
_DATABASE = "conduit"
_PG_ROOT = Path("/usr/lib/postgresql")
_START_TIMEOUT = 30
_STOP_TIMEOUT = 30
_INITDB_TIMEOUT = 120
_KILL_TIMEOUT = 10.0
_LOG_TAIL_LINES = 30
_SYSTEM_PORT = 5432


class PostgresServerError(RuntimeError):
    """A throwaway server could not be set up, started or stopped."""


def _find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with the server binaries, else ``pg_ctl`` on PATH."""

    def version_key(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

    candidates = sorted(_PG_ROOT.glob("*/bin"), key=version_key, reverse=True) if _PG_ROOT.is_dir() else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` as the ``postgres`` user (directly when we are not root)."""
    return ["runuser", "-u", _POSTGRES_USER, "--", *argv] if _running_as_root() else argv


def _server_env() -> dict[str, str]:
    """Our environment without libpq/server variables that could point a tool at another cluster."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rpartition(")")[2].split()[0] != "Z"


def _free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port != _SYSTEM_PORT:
            return port


def _stop_and_remove(bindir: Path, workdir: Path) -> None:
    """Stop the server of ``workdir`` immediately if it runs, then delete ``workdir``.

    A plain function (not a method) so that ``weakref.finalize`` can also call it at interpreter exit
    for a server whose test forgot ``cleanup``.
    """
    datadir = workdir / "data"
    if _read_postmaster_pid(datadir) is not None:
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop"]),
            cwd=workdir,
            env=_server_env(),
            capture_output=True,
            timeout=_STOP_TIMEOUT + 10,
            check=False,
        )
    shutil.rmtree(workdir, ignore_errors=True)


def _read_postmaster_pid(datadir: Path) -> int | None:
    """The pid of the live postmaster of ``datadir``, or None."""
    try:
        first_line = (datadir / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not first_line.isdigit():
        return None
    pid = int(first_line)
    return pid if _pid_alive(pid) else None


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own, in a temporary folder, on a free port."""

    def __init__(self) -> None:
        self._port = _free_port()
        self._bindir: Path | None = None
        self._workdir: Path | None = None
        self._database_ready = False
        self._finalizer: weakref.finalize[[Path, Path], ThrowawayPostgres] | None = None

    # -- availability -----------------------------------------------------------------------------

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why a throwaway server cannot run here, or None when it can."""
        if os.name != "posix":
            return "a throwaway PostgreSQL server needs a POSIX system"
        if _find_bindir() is None:
            return f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found under {_PG_ROOT}/*/bin or on PATH"
        if _running_as_root():
            try:
                pwd.getpwnam(_POSTGRES_USER)
            except KeyError:
                return f"running as root but there is no {_POSTGRES_USER!r} user to run the server as"
            if shutil.which("runuser") is None:
                return "running as root but runuser is not installed"
        return None

    @classmethod
    def require(cls, tests: str) -> None:
        """Skip ``tests`` when a throwaway server cannot run here; under ``CI=true``, where it must, fail them."""
        if reason := cls.unavailable_reason():
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true, but {tests} cannot start a PostgreSQL server: {reason}")
            pytest.skip(reason)

    @classmethod
    def available(cls) -> bool:
        """Whether initdb/pg_ctl exist (and can be run as the right user), so tests can skip otherwise."""
        return cls.unavailable_reason() is None

    # -- properties -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{_POSTGRES_USER}@127.0.0.1:{self._port}/{_DATABASE}"

    @property
    def running(self) -> bool:
        """Whether the postmaster of this server is alive."""
        return self._postmaster_pid() is not None

    @property
    def log_path(self) -> Path | None:
        """The server log, once the temporary folder exists."""
        return None if self._workdir is None else self._workdir / "server.log"

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server (running initdb on first start) and wait until it accepts connections.

        Does nothing when the server already runs. After ``stop("immediate")`` or ``kill()`` the server
        goes through crash recovery, which ``pg_ctl start -w`` waits for.
        """
        if self._postmaster_pid() is not None:
            return
        workdir = self._ensure_initialised()
        bindir = self._require_bindir()
        argv = [
            str(bindir / "pg_ctl"),
            "-D",
            str(workdir / "data"),
            "-l",
            str(workdir / "server.log"),
            "-w",
            "-t",
            str(_START_TIMEOUT),
            "start",
        ]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                _as_server_user(argv),
                cwd=workdir,
                env=_server_env(),
                capture_output=True,
                text=True,
                timeout=_START_TIMEOUT + 15,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresServerError(self._failure("pg_ctl start did not return", exc.stdout, exc.stderr)) from exc
        if result.returncode != 0 or self._postmaster_pid() is None:
            raise PostgresServerError(
                self._failure(f"pg_ctl start failed (exit {result.returncode})", result.stdout, result.stderr)
            )
        if not self._database_ready:
            try:
                self._run_sql(f'CREATE DATABASE "{_DATABASE}"', database="postgres")
            except Exception as exc:
                raise PostgresServerError(self._failure(f"could not create database {_DATABASE!r}: {exc!r}")) from exc
            self._database_ready = True

    def stop(self, mode: Literal["smart", "fast", "immediate"] = "fast") -> None:
        """Stop the server with ``pg_ctl stop -m <mode>`` and wait until it is down; no-op when not running."""
        if self._postmaster_pid() is None:
            return
        workdir = self._require_workdir()
        argv = [
            str(self._require_bindir() / "pg_ctl"),
            "-D",
            str(workdir / "data"),
            "-m",
            mode,
            "-w",
            "-t",
            str(_STOP_TIMEOUT),
            "stop",
        ]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                _as_server_user(argv),
                cwd=workdir,
                env=_server_env(),
                capture_output=True,
                text=True,
                timeout=_STOP_TIMEOUT + 15,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresServerError(self._failure("pg_ctl stop did not return", exc.stdout, exc.stderr)) from exc
        if result.returncode != 0 and self._postmaster_pid() is not None:
            raise PostgresServerError(
                self._failure(f"pg_ctl stop -m {mode} failed (exit {result.returncode})", result.stdout, result.stderr)
            )

    def restart(self, mode: Literal["fast", "immediate"] = "fast") -> None:
        """Stop (with ``mode``) then start again, on the same port and data."""
        self.stop(mode)
        self.start()

    def kill(self) -> None:
        """Crash the server: SIGKILL the postmaster and all its child processes, and wait until they are gone.

        The children (backends, checkpointer, ...) are killed too, so that client connections drop at once
        and nothing still holds the old shared memory when ``start()`` runs crash recovery. No-op when the
        server is not running.
        """
        pid = self._postmaster_pid()
        if pid is None:
            return
        # Freeze the postmaster so it forks no new child between listing its children and killing them.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
        victims = [pid, *children_of(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + _KILL_TIMEOUT
        while any(_pid_alive(victim) for victim in victims):
            if time.monotonic() > deadline:
                raise PostgresServerError(self._failure(f"server processes {victims} survived SIGKILL"))
            time.sleep(0.01)
        # The dead postmaster is an orphan; until init reaps it (some container inits do so late or never)
        # it lingers as a zombie, which PostgreSQL takes for a live server holding its lock files (and a
        # recycled pid could too). Everything is dead, so the stale lock files go; crash recovery is
        # driven by pg_control, not by them.
        workdir = self._require_workdir()
        for lock_file in (workdir / "data" / "postmaster.pid", workdir / f".s.PGSQL.{self._port}.lock"):
            lock_file.unlink(missing_ok=True)

    def cleanup(self) -> None:
        """Stop immediately if running and remove the temporary folder. Idempotent.

        A later ``start()`` would begin afresh with a new folder (and initdb) on the same port.
        """
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()
        self._workdir = None
        self._database_ready = False

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cleanup()

    # -- SQL --------------------------------------------------------------------------------------

    def execute(self, sql: str) -> None:
        """Run ``sql`` on database ``conduit`` as superuser, through a short-lived asyncpg connection.

        Runs in a fresh thread with its own event loop, so it works both outside and inside a running loop
        (which it blocks until done). Exceptions (e.g. ``asyncpg.PostgresError``, ``OSError``) propagate.
        """
        self._run_sql(sql, database=_DATABASE)

    def _run_sql(self, sql: str, *, database: str) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(
                host="127.0.0.1", port=self._port, user=_POSTGRES_USER, database=database, timeout=10
            )
            try:
                await connection.execute(sql)
            finally:
                await connection.close(timeout=10)

        errors: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=target, name=f"ThrowawayPostgres:{self._port}", daemon=True)
        thread.start()
        thread.join()
        if errors:
            raise errors[0]

    # -- internals --------------------------------------------------------------------------------

    def _require_bindir(self) -> Path:
        if self._bindir is None:
            reason = self.unavailable_reason()
            if reason is not None:
                raise PostgresServerError(reason)
            self._bindir = _find_bindir()
            assert self._bindir is not None
        return self._bindir

    def _require_workdir(self) -> Path:
        if self._workdir is None:
            raise PostgresServerError("the throwaway server has not been started")
        return self._workdir

    def _postmaster_pid(self) -> int | None:
        return None if self._workdir is None else _read_postmaster_pid(self._workdir / "data")

    _WORKDIR_PREFIX = "conduit-pg-"

    def _ensure_initialised(self) -> Path:
        """Create the temporary folder and its data directory, once."""
        if self._workdir is not None:
            return self._workdir
        bindir = self._require_bindir()
        workdir = Path(tempfile.mkdtemp(prefix=self._WORKDIR_PREFIX))
        self._workdir = workdir
        self._finalizer = weakref.finalize(self, _stop_and_remove, bindir, workdir)
        if _running_as_root():
            user = pwd.getpwnam(_POSTGRES_USER)
            os.chown(workdir, user.pw_uid, user.pw_gid)
        datadir = workdir / "data"
        self._create_datadir(bindir, workdir, datadir)
        # Appending keeps the file's owner (postgres) even when we write it as root.
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# {type(self).__name__}\n")
            conf.writelines(f"{name} = {value}\n" for name, value in self._settings(workdir).items())
        return workdir

    def _create_datadir(self, bindir: Path, workdir: Path, datadir: Path) -> None:
        """Run initdb into ``datadir``."""
        argv = [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            _POSTGRES_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell
                _as_server_user(argv),
                cwd=workdir,
                env=_server_env(),
                capture_output=True,
                text=True,
                timeout=_INITDB_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            self.cleanup()
            raise PostgresServerError(f"initdb did not finish within {_INITDB_TIMEOUT} s") from exc
        if result.returncode != 0:
            self.cleanup()
            raise PostgresServerError(
                f"initdb failed (exit {result.returncode})\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )

    def _settings(self, workdir: Path) -> dict[str, str]:
        """What is appended to the data directory's ``postgresql.conf``."""
        return {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self._port),
            "unix_socket_directories": f"'{workdir}'",
            "max_connections": "100",
            # Safe for process crashes (kill, immediate stop): written data sits in the OS page cache.
            # synchronous_commit stays on, or a kill would lose transactions already reported committed.
            "fsync": "off",
            "logging_collector": "off",
        }

    def _failure(self, message: str, stdout: str | bytes | None = None, stderr: str | bytes | None = None) -> str:
        """``message`` with pg_ctl's output and the last lines of the server log, for an exception."""
        parts = [f"{message} (port {self._port}, folder {self._workdir})"]
        for label, output in (("pg_ctl stdout", stdout), ("pg_ctl stderr", stderr)):
            text = output.decode(errors="replace") if isinstance(output, bytes) else output
            if text and text.strip():
                parts.append(f"--- {label} ---\n{text.rstrip()}")
        log_path = self.log_path
        if log_path is not None:
            try:
                lines = log_path.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
            except OSError as exc:
                parts.append(f"--- server log unreadable: {exc} ---")
            else:
                parts.append(f"--- last {len(lines)} lines of {log_path} ---\n" + "\n".join(lines))
        return "\n".join(parts)


class ThrowawayStandby(ThrowawayPostgres):
    """A streaming replica of a running ``ThrowawayPostgres`` (``pg_basebackup -R``: asynchronous replication), in a
    temporary folder of its own, on a free port. It can be stopped, started and have its replay paused like any
    server of the tests' own."""

    def __init__(self, primary: ThrowawayPostgres) -> None:
        super().__init__()
        self.primary = primary
        self._database_ready = True  # the primary's databases come with the base backup

    _WORKDIR_PREFIX = "conduit-pg-standby-"

    def _create_datadir(self, bindir: Path, workdir: Path, datadir: Path) -> None:
        """Take a base backup of the primary into ``datadir``, set up to stream from it (``-R``)."""
        argv = [
            str(bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", _POSTGRES_USER, "-D", str(datadir)),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        ]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            _as_server_user(argv), cwd=workdir, env=_server_env(), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            self.cleanup()
            raise PostgresServerError(f"pg_basebackup failed (exit {result.returncode})\n{result.stderr}")

    def _settings(self, workdir: Path) -> dict[str, str]:
        """The primary's settings came with the backup: only where to listen differs."""
        return {"port": str(self._port), "unix_socket_directories": f"'{workdir}'", "hot_standby": "on"}

    def replay(self, *, paused: bool) -> None:
        """Pause or resume applying the primary's WAL (``pg_wal_replay_pause``); it is still received."""
        self.execute(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")
