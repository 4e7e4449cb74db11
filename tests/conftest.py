"""Fixtures shared by the whole suite.

Every test talks to a real database: a fresh SQLite file by default, or the database named by
``TEST_DATABASE_URL`` (``scripts/test-all-backends`` runs the suite once per backend). Apps are
built with ``create_app(settings)`` from explicit settings; each test starts with empty tables.
"""

import contextlib
import io
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import ASGITransport, AsyncClient
from litestar import Litestar
from sqlalchemy import delete, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.__main__ import main
from conduit.app import create_app
from conduit.config import alchemy_config_of
from conduit.db.models import AccountToken, Job, Notification, SessionRecord
from conduit.db.transfer import TABLES
from conduit.lib.settings import Settings
from tests.factories import NewArticleFactory, NewUserFactory
from tests.support.databases import execute_on_server, migrate_afresh

TEST_SECRET = "test-secret-" * 4
SUITE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = make_url(SUITE_URL).get_backend_name() == "postgresql" if SUITE_URL else False
ScratchDatabase = Callable[..., str]


def settings_for(var_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for an app under test: the ``test`` environment, a fixed secret, ``var_dir`` for files.

    The pool is small (at most ten connections an app), so that test processes running side by side
    stay well within the database server's connection limit. Registrations and writes are limited
    generously, so that tests registering dozens of users from one address measure what they test;
    the throttling tests set the limits they check. The job queue is not worked in the app: the mail tests
    work it themselves, and no other test sees its statements.
    """
    fields: dict[str, Any] = {
        "environment": "test",
        "secret_key": TEST_SECRET,
        "database_pool_size": 4,
        "database_max_overflow": 6,
        "registrations_per_hour": 10_000,
        "writes_per_minute": 10_000,
        "jobs_in_app": False,
        **overrides,
    }
    return Settings(var_dir=str(var_dir), database_url=database_url, **fields).completed()


@pytest.fixture(scope="session")
def suite_database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """The database every app of this run (or of this xdist worker) uses; emptied of Conduit's tables at the start."""
    if SUITE_URL:
        url = SUITE_URL
        if worker_id != "master":
            suite = make_url(SUITE_URL)
            url = suite.set(database=f"{suite.database}_{worker_id}").render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    migrate_afresh(url)
    return url


def pytest_report_header() -> str:
    return f"database: {SUITE_URL or 'a fresh SQLite file'}"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(suite_database_url: str, tmp_path: Path) -> Settings:
    return settings_for(tmp_path, suite_database_url)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def alchemy(app: Litestar) -> SQLAlchemyAsyncConfig:
    """The app's one database configuration."""
    return alchemy_config_of(app)


@asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[AsyncClient]:
    """Start ``app`` (lifespan included) in the running event loop and talk to it over ASGI.

    Litestar's own test client starts the lifespan in a thread with another event loop,
    which leaves asyncpg connections bound to the wrong loop.
    """
    transport = ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar narrows the ASGI types
    async with app.lifespan(), AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
async def client(app: Litestar, alchemy: SQLAlchemyAsyncConfig) -> AsyncIterator[AsyncClient]:
    async with serve(app) as test_client:
        async with alchemy.get_engine().begin() as connection:
            for model in (SessionRecord, AccountToken, Notification, Job):
                await connection.execute(delete(model))
            for table in reversed(TABLES):
                await connection.execute(table.delete())
        yield test_client


@pytest.fixture
async def db(client: AsyncClient, alchemy: SQLAlchemyAsyncConfig) -> AsyncIterator[AsyncSession]:
    """A session of its own, to look at what the requests left in the database."""
    async with alchemy.get_session() as session:
        yield session


@pytest.fixture
def sql(client: AsyncClient, alchemy: SQLAlchemyAsyncConfig) -> Iterator[list[str]]:
    """Every SQL statement the application runs from now on, in order."""
    statements: list[str] = []
    engine = alchemy.get_engine().sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def refusal(*sentences: str) -> dict[str, Any]:
    """The RealWorld error body whose errors read as ``sentences``, each a subject and what is wrong with it:
    ``refusal("title can't be blank")`` is ``{"errors": {"title": ["can't be blank"]}}``."""
    errors: dict[str, list[str]] = {}
    for sentence in sentences:
        subject, _, message = sentence.partition(" ")
        errors.setdefault(subject, []).append(message)
    return {"errors": errors}


@dataclass
class Account:
    username: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


RegisterUser = Callable[..., Awaitable[Account]]
WriteArticle = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def register(client: AsyncClient) -> RegisterUser:
    """Register a user through the API; fields not given are made up."""

    async def register_user(**fields: Any) -> Account:
        payload = NewUserFactory.build(**fields)
        response = await client.post(
            "/api/users",
            json={"user": {"username": payload.username, "email": payload.email, "password": payload.password}},
        )
        assert response.status_code == 201, response.text
        user = response.json()["user"]
        return Account(user["username"], user["email"], payload.password, user["token"])

    return register_user


@pytest.fixture
def write_article(client: AsyncClient) -> WriteArticle:
    """Publish an article through the API as ``author``; fields not given are made up."""

    async def write(author: Account, **fields: Any) -> dict[str, Any]:
        payload = NewArticleFactory.build(**fields)
        response = await client.post(
            "/api/articles",
            headers=author.headers,
            json={
                "article": {
                    "title": payload.title,
                    "description": payload.description,
                    "body": payload.body,
                    "tagList": payload.tag_list,
                }
            },
        )
        assert response.status_code == 201, response.text
        article: dict[str, Any] = response.json()["article"]
        return article

    return write


@pytest.fixture
def scratch_database(tmp_path: Path, suite_database_url: str) -> Iterator[ScratchDatabase]:
    """Make empty databases on the suite's backend (or the one asked for), dropped afterwards."""
    created: list[str] = []
    suite = make_url(suite_database_url)

    def make(*, backend: str | None = None) -> str:
        if (backend or suite.get_backend_name()) == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex}.sqlite3'}"
        name = f"conduit_scratch_{uuid.uuid4().hex[:12]}"
        execute_on_server(suite_database_url, f'CREATE DATABASE "{name}"')
        created.append(name)
        return suite.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        execute_on_server(suite_database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Conduit = Callable[..., Result]


@pytest.fixture
def conduit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Conduit:
    """Run ``conduit ARGS`` against ``database_url``, as an operator would, and collect what it says.

    Commands run in this process through ``conduit.__main__.main``, exactly as the console script runs them
    (a Python process per command would cost seconds).
    """

    def run(*arguments: str, database_url: str, stdin: str = "") -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "argv", ["conduit", *arguments])
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        for name, value in {
            "COLUMNS": "200",
            "DATABASE_URL": database_url,
            "CONDUIT_ENV": "development",
            "CONDUIT_VAR_DIR": str(tmp_path),
            "SECRET_KEY": TEST_SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        code: Any = 0
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code
        if isinstance(code, str):
            stderr.write(code + "\n")
            code = 1
        return Result(int(code or 0), stdout.getvalue(), stderr.getvalue())

    return run
