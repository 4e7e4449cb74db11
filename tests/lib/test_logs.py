"""Structured logs: JSON lines carrying the request id, one access line per request, no secrets."""

import logging
import re
from pathlib import Path

import pytest
from httpx import AsyncClient

from conduit.app import create_app
from conduit.lib.settings import Settings
from tests.conftest import RegisterUser, serve, settings_for
from tests.support.observe import captured_logs

pytestmark = pytest.mark.anyio

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path) -> Settings:
    return settings_for(tmp_path, suite_database_url, log_format="json")


async def test_a_usable_request_id_is_kept_on_every_line_and_returned(tmp_path: Path) -> None:
    app = create_app(
        settings_for(
            tmp_path, "postgresql+asyncpg://postgres@127.0.0.1:1/conduit", environment="development", log_format="json"
        )
    )
    async with serve(app) as client:
        with captured_logs() as logs:
            response = await client.get("/api/articles", headers={"X-Request-ID": "edge-7f3a:42"})

    assert response.status_code == 503
    assert response.headers["x-request-id"] == "edge-7f3a:42"
    own_lines = [line for line in logs.events() if line["logger"].startswith("conduit")]
    assert [line["event"] for line in own_lines] == ["database unavailable", "request"]
    assert {line["request_id"] for line in own_lines} == {"edge-7f3a:42"}
    assert own_lines[0]["cause"].startswith("ConnectionRefusedError")


@pytest.mark.parametrize("presented", [None, b"", b"has spaces", b"x" * 129, b"line\\nbreak", "ünicode".encode()])
async def test_a_missing_or_unusable_request_id_is_replaced_by_a_new_one(
    client: AsyncClient, presented: bytes | None
) -> None:
    headers = {} if presented is None else {b"X-Request-ID": presented}
    with captured_logs() as logs:
        first = await client.get("/api/tags", headers=headers)
        second = await client.get("/api/tags", headers=headers)

    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(GENERATED_ID.fullmatch(request_id) for request_id in ids)
    assert ids[0] != ids[1]
    assert [line["request_id"] for line in logs.named("request")] == ids


async def test_the_access_line_names_method_path_route_status_duration_and_user(
    client: AsyncClient, register: RegisterUser
) -> None:
    account = await register(password="correct horse battery")
    with captured_logs() as logs:
        await client.get("/api/user", headers=account.headers)
        await client.get("/api/profiles/nobody-here")
        await client.get("/no/such/page")

    signed_in, missing_profile, unknown_path = logs.named("request")
    user_id = signed_in["user_id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", user_id)
    assert {key: signed_in[key] for key in ("method", "path", "route", "status", "level", "logger")} == {
        "method": "GET",
        "path": "/api/user",
        "route": "/api/user",
        "status": 200,
        "level": "info",
        "logger": "conduit.access",
    }
    assert isinstance(signed_in["duration_ms"], float)
    assert signed_in["timestamp"].endswith("Z")
    assert (missing_profile["route"], missing_profile["status"], missing_profile["user_id"]) == (
        "/api/profiles/{username}",
        404,
        None,
    )
    assert (unknown_path["path"], unknown_path["route"], unknown_path["status"]) == ("/no/such/page", None, 404)


async def test_the_access_line_names_the_user_signed_in_on_the_pages(
    client: AsyncClient, register: RegisterUser
) -> None:
    account = await register()
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    await client.post("/login", data={"email": account.email, "password": account.password, "_csrf_token": token[1]})
    with captured_logs() as logs:
        settings_page = await client.get("/settings")

    assert settings_page.status_code == 200
    (line,) = logs.named("request")
    assert (line["route"], line["status"]) == ("/settings", 200)
    assert re.fullmatch(r"[0-9a-f-]{36}", line["user_id"])


async def test_request_bodies_and_passwords_are_never_logged(client: AsyncClient) -> None:
    password = "a-password-nobody-may-read"
    with captured_logs() as logs:
        await client.post(
            "/api/users", json={"user": {"username": "quiet", "email": "quiet@example.org", "password": password}}
        )
        await client.post("/api/users/login", json={"user": {"email": "quiet@example.org", "password": password}})

    assert len(logs.named("request")) == 2
    assert password not in logs.text
    assert "quiet@example.org" not in logs.text


async def test_development_logs_are_readable_lines_and_production_logs_json(
    tmp_path: Path, suite_database_url: str
) -> None:
    development = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})
    production = Settings.from_env(
        {"CONDUIT_VAR_DIR": str(tmp_path), "CONDUIT_ENV": "production", "SECRET_KEY": "p" * 40, "ACCOUNT_MAIL": "false"}
    )
    app = create_app(settings_for(tmp_path, suite_database_url, log_format=development.log_format))

    async with serve(app) as client:
        with captured_logs() as logs:
            response = await client.get("/api/tags")

    assert (development.log_format, production.log_format) == ("console", "json")
    (line,) = [line for line in logs.text.splitlines() if "conduit.access" in line]
    assert not line.startswith("{")
    assert "request" in line
    assert f"request_id={response.headers['x-request-id']}" in line
    assert "status=200" in line


async def test_a_logged_exception_in_json_carries_its_frames_but_not_their_local_variables(client: AsyncClient) -> None:
    def authenticate(password: str) -> None:
        token = f"token-made-from-{password}"
        raise RuntimeError(token[:5])

    with captured_logs() as logs:
        try:
            authenticate("a-password-nobody-may-read")
        except RuntimeError:
            logging.getLogger("conduit").exception("sign-in failed")

    (line,) = logs.named("sign-in failed")
    (exception,) = line["exception"]
    assert exception["exc_type"] == "RuntimeError"
    assert [frame["name"] for frame in exception["frames"]][-1] == "authenticate"
    assert not any("locals" in frame for frame in exception["frames"])
    assert "a-password-nobody-may-read" not in logs.text
