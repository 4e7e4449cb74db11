"""``conduit run``: Conduit under uvicorn, in this process or in worker processes this process supervises.

Uvicorn runs in this process (Litestar's own ``run`` starts it as a child, which a SIGTERM to ``run``
leaves behind), so the process a service manager starts is the one that gets its signals: SIGTERM or
SIGINT stops accepting connections, lets requests in flight finish (for up to ``--graceful-timeout``
seconds), stops every worker and exits. With several workers the metrics are kept in
``PROMETHEUS_MULTIPROC_DIR``, emptied here before the workers start (a temporary folder when unset).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import uvicorn

from conduit.cli import APP_FACTORY
from conduit.lib.logs import configure_logging
from conduit.lib.metrics import MULTIPROCESS_DIR_VARIABLE, prepare_multiprocess_dir
from conduit.lib.settings import Settings


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


@click.command("run")
@click.option("-H", "--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option("--uds", type=click.Path(dir_okay=False), help="Listen on this Unix socket instead (behind a proxy).")
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
@click.option("-r", "--reload", is_flag=True, help="Restart when Conduit's code changes (development).")
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
def run(
    host: str, port: int, uds: str | None, workers: int, reload: bool, graceful_timeout: int, forwarded_allow_ips: str
) -> None:
    """Serve Conduit over HTTP until SIGTERM or Ctrl-C, which finish the requests in flight first."""
    configure_logging(Settings.from_env())
    with multiprocess_metrics(workers):
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            uds=uds,
            workers=workers,
            reload=reload,
            reload_dirs=[str(Path(__file__).parents[1])] if reload else None,  # Conduit's code, wherever run from
            timeout_graceful_shutdown=graceful_timeout,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            access_log=False,  # Conduit writes its own access line, with the request id
            log_config=None,  # and configures logging itself, in every process
        )
