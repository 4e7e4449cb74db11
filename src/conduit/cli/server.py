"""``conduit run``: Conduit under uvicorn, in this process or in worker processes this process supervises.

Uvicorn runs in this process (Litestar's own ``run`` starts it as a child, which a SIGTERM to ``run``
leaves behind), so the process a service manager starts is the one that gets its signals: SIGTERM or
SIGINT stops accepting connections, lets requests in flight finish (for up to ``--graceful-timeout``
seconds), stops every worker and exits. With several workers the metrics are kept in
``PROMETHEUS_MULTIPROC_DIR``, emptied here before the workers start (a temporary folder when unset).

Litestar's ``run`` could pass uvicorn none of the settings that keep slow clients in check; this one serves
without the ``server`` header, closes idle connections after ``KEEP_ALIVE_TIMEOUT_SECONDS``, and closes
connections whose request headers take longer than ``REQUEST_HEADER_TIMEOUT_SECONDS`` or exceed
``MAX_HEADER_BYTES`` (``conduit.cli.protocol``).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import uvicorn

from conduit.cli import APP_FACTORY
from conduit.cli.protocol import HeaderDeadlineProtocol
from conduit.lib.logs import configure_logging
from conduit.lib.settings import Settings

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""``conduit.lib.metrics``'s folder, named again here: importing that module creates metric files in the folder."""


def prepare_multiprocess_dir(path: Path) -> None:
    """Make ``path`` an empty folder for the workers' metric files (left-overs of an earlier run would count)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[None]:
    """Empty ``PROMETHEUS_MULTIPROC_DIR`` for this run; with several workers and none set, use a temporary one."""
    configured = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    temporary = tempfile.mkdtemp(prefix="conduit-metrics-") if workers > 1 and not configured else None
    if temporary:
        os.environ[MULTIPROCESS_DIR_VARIABLE] = temporary
    if directory := configured or temporary:
        prepare_multiprocess_dir(Path(directory))
    try:
        yield
    finally:
        if temporary:
            del os.environ[MULTIPROCESS_DIR_VARIABLE]
            shutil.rmtree(temporary, ignore_errors=True)


ALWAYS: dict[str, Any] = {
    "http": HeaderDeadlineProtocol,
    "server_header": False,
    "proxy_headers": True,  # trusted only from FORWARDED_ALLOW_IPS
    "access_log": False,  # Conduit writes its own access line, with the request id
    "log_config": None,  # and configures logging itself, in every process
}
"""What every Conduit server runs with: the slow-client defence, no banner, Conduit's own logging."""
WATCHING: dict[str, Any] = {
    "reload": True,
    "reload_dirs": [str(Path(__file__).parents[1])],  # Conduit's code, wherever run from
    "reload_includes": ["*.py", "*.html", "*.css"],  # templates are read once per process
}
"""What ``--reload`` watches."""


@click.command("run")
@click.option("-H", "--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "-U", "--uds", type=click.Path(dir_okay=False), help="Listen on this Unix socket instead (behind a proxy)."
)
@click.option(
    "-W",
    "--wc",
    "--web-concurrency",
    "workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="WEB_CONCURRENCY",
    help="Worker processes; about one per core.",
)
@click.option("-r", "--reload", is_flag=True, help="Restart when Conduit's code or templates change (development).")
@click.option(
    "--graceful-timeout",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Seconds SIGTERM waits for requests in flight before closing their connections.",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    envvar="FORWARDED_ALLOW_IPS",
    help="Proxies trusted for X-Forwarded-For and X-Forwarded-Proto (comma-separated, '*' for any).",
)
@click.option("--ssl-certfile", type=click.Path(dir_okay=False, exists=True), help="Serve HTTPS with this cert.")
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False, exists=True), help="And this key.")
def run(
    host: str,
    port: int,
    uds: str | None,
    workers: int,
    reload: bool,
    graceful_timeout: int,
    forwarded_allow_ips: str,
    ssl_certfile: str | None,
    ssl_keyfile: str | None,
) -> None:
    """Serve Conduit over HTTP until SIGTERM or Ctrl-C, which finish the requests in flight first.

    Behind a proxy, set FORWARDED_ALLOW_IPS to its address so that client addresses (which throttling counts by)
    and the scheme come from its X-Forwarded-For and X-Forwarded-Proto headers.
    """
    settings = Settings.from_env()
    configure_logging(settings)
    with multiprocess_metrics(workers):
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            uds=uds,
            workers=workers,
            **(WATCHING if reload else {}),
            timeout_graceful_shutdown=graceful_timeout,
            timeout_keep_alive=settings.keep_alive_timeout_seconds,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            forwarded_allow_ips=forwarded_allow_ips,
            **ALWAYS,
        )
