"""``conduit run``: Conduit under Granian, in worker processes this process supervises.

Granian (a Rust HTTP server for Python) keeps slow clients in check by its own settings: a request's headers must
arrive within ``REQUEST_HEADER_TIMEOUT_SECONDS`` (which also ends an idle kept-alive connection), and headers larger
than ``MAX_HEADER_BYTES`` are refused with 431. SIGTERM or SIGINT stops accepting connections, lets requests in
flight finish (for up to ``--graceful-timeout`` seconds), stops every worker and exits. With several workers the
metrics are kept in ``PROMETHEUS_MULTIPROC_DIR``, emptied here before the workers start (a temporary folder when
unset).
"""

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.utils.proxies import wrap_asgi_with_proxy_headers

from conduit.lib.logs import configure_logging
from conduit.lib.settings import ENVIRONMENT_VARIABLES, Settings

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""``conduit.lib.metrics``'s folder, named again here: importing that module creates metric files in the folder."""
FORWARDED_ALLOW_IPS_VARIABLE = "FORWARDED_ALLOW_IPS"
RESPONSE_CACHE_VARIABLE = ENVIRONMENT_VARIABLES["response_cache_seconds"]
logger = logging.getLogger(__name__)
MAX_HEADER_BYTES = 16 * 1024
"""The request line and headers of a request, at most (Granian's HTTP/1 read buffer)."""
SERVED_APP = "conduit.cli.server:served_app"


def served_app() -> Any:
    """The application each worker serves: Conduit, believing ``X-Forwarded-For`` and ``X-Forwarded-Proto`` only
    from the proxies ``FORWARDED_ALLOW_IPS`` names."""
    from conduit.app import create_app  # in the worker: the supervising process never builds the app

    trusted = os.environ.get(FORWARDED_ALLOW_IPS_VARIABLE, "127.0.0.1")
    return wrap_asgi_with_proxy_headers(create_app(), trusted_hosts=trusted)


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


GRANIAN_LOGGING: dict[str, Any] = {"loggers": {"_granian": {"propagate": True}}}
"""Granian's own lines (start, stop, worker failures) go to Conduit's handlers; Conduit writes the access lines."""


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
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Seconds SIGTERM waits for requests in flight before the workers are stopped.",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    envvar=FORWARDED_ALLOW_IPS_VARIABLE,
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
    if workers > 1 and settings.database_replica_urls and not settings.redis_url:
        message = "with DATABASE_REPLICA_URLS, several workers need REDIS_URL: it keeps each client's last write"
        raise click.UsageError(message)
    configure_logging(settings)
    if workers > 1 and not settings.redis_url and settings.response_cache_seconds:
        # Each worker would keep its own content version and serve what another worker's write outdated.
        logger.warning("several workers without REDIS_URL: the response cache is off")
        os.environ[RESPONSE_CACHE_VARIABLE] = "0"
    os.environ[FORWARDED_ALLOW_IPS_VARIABLE] = forwarded_allow_ips  # read by each worker's ``served_app``
    with multiprocess_metrics(workers):
        Granian(
            SERVED_APP,
            factory=True,
            interface=Interfaces.ASGI,
            http=HTTPModes.http1,
            address=host,
            port=port,
            uds=Path(uds) if uds else None,
            workers=workers,
            http1_settings=HTTP1Settings(
                header_read_timeout=round(settings.request_header_timeout_seconds * 1000),
                max_buffer_size=MAX_HEADER_BYTES,
            ),
            workers_kill_timeout=graceful_timeout,
            respawn_failed_workers=True,
            log_level=LogLevels(settings.log_level.lower()),
            log_dictconfig=GRANIAN_LOGGING,
            log_access=False,
            ssl_cert=Path(ssl_certfile) if ssl_certfile else None,
            ssl_key=Path(ssl_keyfile) if ssl_keyfile else None,
            reload=reload,
            reload_paths=[Path(__file__).parents[1]] if reload else None,  # Conduit's code, wherever run from
        ).serve()
