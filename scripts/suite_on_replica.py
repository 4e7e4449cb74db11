"""The official RealWorld suite against Conduit reading from a streaming replica.

Starts a PostgreSQL primary and a ``pg_basebackup`` replica of the script's own (temporary folders, free ports;
never the machine's server), migrates the primary, serves Conduit with ``DATABASE_REPLICA_URLS`` pointing at the
replica, runs the suite runner given on the command line (with any further arguments), and prints how many read
requests each database served (``conduit_database_reads`` from ``/metrics``). Fails when the suite fails or when the
replica served fewer reads than the primary::

    .venv/bin/python scripts/suite_on_replica.py ../shared/tools/realworld-hurl --continue
"""

import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pgserver import ThrowawayPostgres, ThrowawayStandby  # noqa: E402
from tests.support.servers import conduit_servers  # noqa: E402


def reads(origin: str) -> dict[str, float]:
    """Read requests served per database, from the server's metrics."""
    with urllib.request.urlopen(f"{origin}/metrics", timeout=10) as response:  # noqa: S310 - our own server
        text = response.read().decode()
    pattern = r'^conduit_database_reads_total\{database="([^"]+)"\} (\S+)$'
    return {name: float(value) for name, value in re.findall(pattern, text, re.MULTILINE)}


def main() -> int:
    runner, *arguments = sys.argv[1:]
    with (
        tempfile.TemporaryDirectory(prefix="conduit-replica-suite-") as var_dir,
        ThrowawayPostgres() as primary,
        ThrowawayStandby(primary) as replica,
    ):
        env = {
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URLS": replica.url,
            "CONDUIT_VAR_DIR": var_dir,
            # The suite registers dozens of users from one address with the password "password123".
            "PASSWORD_STRENGTH_CHECK": "false",
            "REGISTRATIONS_PER_HOUR": "0",
            "LOG_LEVEL": "WARNING",
        }
        migrate = [sys.executable, "-m", "conduit", "database", "upgrade", "--no-prompt"]
        subprocess.run(migrate, env={**os.environ, **env}, check=True, capture_output=True)  # noqa: S603
        with conduit_servers((env, ()), workdir=Path(var_dir)) as (server,):
            suite = subprocess.run([runner, server.address, *arguments], check=False)  # noqa: S603
            served = reads(server.address)
    print("read requests by database:", ", ".join(f"{name} {count:.0f}" for name, count in sorted(served.items())))
    on_replica = sum(count for name, count in served.items() if name.startswith("replica-"))
    if suite.returncode != 0:
        print("the suite failed with reads on a replica", file=sys.stderr)
        return 1
    if on_replica <= served.get("primary", 0):
        print("the replica served fewer reads than the primary", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
