"""Fixtures shared by the whole suite.

Every test talks to a real database: a fresh SQLite file by default, or the database
named by ``TEST_DATABASE_URL`` (``scripts/test-all-backends`` runs the suite once per backend).
Each test starts with empty tables.
"""

import asyncio
import os
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Advanced Alchemy still decorates its mixins with a decorator SQLAlchemy 2.1 deprecates.
warnings.filterwarnings("ignore", message="The declarative_mixin decorator", category=DeprecationWarning)
_workdir = tempfile.mkdtemp(prefix="conduit-tests-")
os.environ["CONDUIT_ENV"] = "test"
os.environ["CONDUIT_VAR_DIR"] = _workdir
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{_workdir}/test.sqlite3"

import asyncpg  # noqa: E402
from httpx import ASGITransport, AsyncClient  # noqa: E402
from litestar import Litestar  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402

from conduit.app import create_app  # noqa: E402
from conduit.config import alchemy_config  # noqa: E402
from conduit.db.models import orm_registry  # noqa: E402
from tests.factories import NewArticleFactory, NewUserFactory  # noqa: E402

metadata = orm_registry.metadata
SUITE_URL = make_url(str(alchemy_config.connection_string))
ON_POSTGRES = SUITE_URL.get_backend_name() == "postgresql"
ScratchDatabase = Callable[..., str]


def pytest_report_header() -> str:
    return f"database: {alchemy_config.connection_string}"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def fresh_schema() -> None:
    """Drop whatever an earlier run left behind; each app start creates the tables again."""

    async def drop() -> None:
        engine = create_async_engine(str(alchemy_config.connection_string))
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture
def app() -> Litestar:
    return create_app()


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
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    async with serve(app) as test_client:
        async with alchemy_config.get_engine().begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
        yield test_client


@pytest.fixture
async def db(client: AsyncClient) -> AsyncIterator[AsyncSession]:
    """A session of its own, to look at what the requests left in the database."""
    async with alchemy_config.get_session() as session:
        yield session


@pytest.fixture
def sql(client: AsyncClient) -> Iterator[list[str]]:
    """Every SQL statement the application runs from now on, in order."""
    statements: list[str] = []
    engine = alchemy_config.get_engine().sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


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


def _on_postgres(statement: str) -> None:
    async def execute() -> None:
        connection = await asyncpg.connect(
            host=SUITE_URL.host,
            port=SUITE_URL.port,
            user=SUITE_URL.username,
            password=SUITE_URL.password,
            database="postgres",
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute())


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """Make empty databases on the suite's backend (or the one asked for), dropped afterwards."""
    created: list[str] = []

    def make(*, backend: str | None = None) -> str:
        if (backend or SUITE_URL.get_backend_name()) == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex}.sqlite3'}"
        name = f"conduit_scratch_{uuid.uuid4().hex[:12]}"
        _on_postgres(f'CREATE DATABASE "{name}"')
        created.append(name)
        return SUITE_URL.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        _on_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
