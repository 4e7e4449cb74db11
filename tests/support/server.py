"""The real server, as an operator starts it: ``conduit run`` in a process of its own, on a free port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CONDUIT = [sys.executable, "-m", "conduit"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def conduit_command(*arguments: str, environment: dict[str, str]) -> None:
    """Run ``conduit ARGUMENTS`` to completion (a migration, demo data)."""
    subprocess.run([*CONDUIT, *arguments], env=environment, check=True, capture_output=True, timeout=120)  # noqa: S603


@contextmanager
def running_server(database_url: str, workdir: Path, *setup: list[str], **variables: str) -> Iterator[str]:
    """``conduit run`` on ``database_url``, prepared by the ``setup`` commands (a migration, demo data), with
    ``variables`` in its environment; yields its address."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONDUIT_ENV": "development",
        "CONDUIT_VAR_DIR": str(workdir),
        **variables,
    }
    for command in setup:
        conduit_command(*command, environment=environment)
    port = free_port()
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            [*CONDUIT, "run", "--host", "127.0.0.1", "--port", str(port)], env=environment, stdout=log, stderr=log
        )
        address = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{address}/api/tags", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"the server did not start: {log_path.read_text()}")
            yield address
        finally:
            process.terminate()
            process.wait(timeout=10)
