"""The real server (``conduit run``): no banner, and no waiting forever for slow or idle clients."""

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.conftest import ScratchDatabase
from tests.factories import NewUserFactory
from tests.support.databases import migrate_afresh
from tests.support.server import running_server


def seconds_until_closed(address: str, first_bytes: bytes, trickle: bytes = b"") -> float:
    """Send ``first_bytes``, then ``trickle`` every 0.2 s, and time how long the server keeps the connection."""
    parts = urlsplit(address)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(first_bytes)
        connection.settimeout(0.2)
        while time.monotonic() - started < 10:
            try:
                if connection.recv(65536) == b"":
                    break
            except TimeoutError:
                if trickle:
                    try:
                        connection.sendall(trickle)
                    except OSError:
                        break
            except OSError:
                break
    return time.monotonic() - started


def answer_to_growing_headers(address: str) -> bytes:
    """Send ever more header lines, 2 kB at a time, until the server answers; return the start of its answer."""
    parts = urlsplit(address)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(b"GET /api/tags HTTP/1.1\r\nHost: x\r\n")
        connection.settimeout(0.05)
        for _ in range(50):
            try:
                connection.sendall(b"X-Filler: " + b"a" * 2000 + b"\r\n")
                return connection.recv(100)
            except TimeoutError:
                continue
            except OSError:
                break
    return b""


def answers_to_one_write(address: str, payload: bytes, responses: int) -> list[bytes]:
    """Send ``payload`` in one write and read until ``responses`` status lines (or the connection's end) arrived."""
    parts = urlsplit(address)
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(payload)
        while received.count(b"HTTP/1.1 ") < responses and (chunk := connection.recv(65536)):
            received += chunk
    return [b"HTTP/1.1 " + answer for answer in received.split(b"HTTP/1.1 ")[1:]]


def test_no_server_banner_and_slow_or_idle_clients_are_cut_off(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()
    migrate_afresh(url)
    with running_server(url, tmp_path, REQUEST_HEADER_TIMEOUT_SECONDS="1") as address:
        response = httpx.get(f"{address}/api/tags")
        trickling = seconds_until_closed(address, b"GET /api/tags HTTP/1.1\r\nHost: x\r\n", trickle=b"X-Slow: 1\r\n")
        silent = seconds_until_closed(address, b"")
        idle_after_a_response = seconds_until_closed(address, b"GET /api/tags HTTP/1.1\r\nHost: x\r\n\r\n")
        too_large = answer_to_growing_headers(address)
        large = httpx.get(f"{address}/api/articles", headers={"X-Padding": "a" * 8_000})
        body = b'{"user": {"email": "' + b"a" * 100_000 + b'@example.com", "password": "x"}}'
        headers_and_large_body = answers_to_one_write(
            address,
            b"POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body,
            responses=1,
        )
        whole_but_too_large = answers_to_one_write(
            address, b"GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 20_000 + b"\r\n\r\n", responses=1
        )
        pipelined = answers_to_one_write(address, b"GET /api/tags HTTP/1.1\r\nHost: x\r\n\r\n" * 3, responses=3)

    assert response.status_code == 200
    assert response.headers["server"] == "Conduit"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert 0.8 < trickling < 3
    assert 0.8 < silent < 3
    assert 0.8 < idle_after_a_response < 3
    assert too_large.startswith(b"HTTP/1.1 431 ")
    assert large.status_code == 200
    assert whole_but_too_large[0].startswith(b"HTTP/1.1 431 ")
    assert headers_and_large_body[0].startswith(b"HTTP/1.1 422 ")  # the body is read, not counted as headers
    assert [answer[:13] for answer in pipelined] == [b"HTTP/1.1 200 "] * 3


def urllib_post(address: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``body`` with Python's urllib, which reads the answer only once it has sent the whole body."""
    request = urllib.request.Request(  # noqa: S310  # a local test server
        f"{address}{path}", data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_a_client_sending_a_body_too_large_or_without_a_token_reads_the_refusal(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()
    migrate_afresh(url)
    article = json.dumps({"article": {"title": "t", "description": "d", "body": "x" * 12_000_000}}).encode()
    with running_server(url, tmp_path) as address:
        new = NewUserFactory.build()
        registered = httpx.post(
            f"{address}/api/users",
            json={"user": {"username": new.username, "email": new.email, "password": new.password}},
        )
        token = {"Authorization": f"Token {registered.json()['user']['token']}"}
        too_large = urllib_post(address, "/api/articles", article, token)
        anonymous = urllib_post(address, "/api/articles", article, {})
        after = httpx.get(f"{address}/api/articles")

    assert too_large == (413, b'{"errors":{"request":["body is too large"]}}')
    assert anonymous == (401, b'{"errors":{"token":["is missing"]}}')
    assert after.json()["articlesCount"] == 0


def test_forwarded_headers_are_believed_only_from_the_trusted_proxies(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database()
    migrate_afresh(url)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    answers = {}
    for name, trusted in (("trusted", "127.0.0.1"), ("untrusted", "192.0.2.1")):
        (tmp_path / name).mkdir()
        with running_server(url, tmp_path / name, FORWARDED_ALLOW_IPS=trusted) as address:
            answers[name] = (urlsplit(address).netloc, httpx.get(f"{address}/feed.atom", headers=forwarded).text)

    (host, trusted_feed), (other_host, untrusted_feed) = answers["trusted"], answers["untrusted"]
    assert f'href="https://{host}/feed.atom"' in trusted_feed
    assert f'href="http://{other_host}/feed.atom"' in untrusted_feed
