"""The database wiring the project promises: the validation checklist of its workflow.

- the plugin injects the session (and engine) under the configured keys, into handlers and providers;
- commit and rollback follow ``before_send_handler="autocommit_include_redirects"``;
- providers hand handlers the service types they declare (the OpenAPI contract test covers schemas).
"""

import inspect
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from advanced_alchemy.routing import RoutingSyncSession
from httpx import AsyncClient
from litestar import Litestar, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect
from litestar.routes import HTTPRoute
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from conduit.app import create_app
from conduit.articles.services import ArticleService
from conduit.comments.services import CommentService
from conduit.config import alchemy_config_of
from conduit.db.models import Comment, User
from conduit.db.statements import all_rows
from conduit.lib.auth import signed_in_only
from conduit.lib.exceptions import InvalidInputError
from conduit.lib.replicas import request_database
from conduit.lib.transactions import RequestTransaction
from conduit.profiles.services import ProfileService
from conduit.tags.services import TagService
from conduit.users.services import UserService
from tests.conftest import ON_POSTGRES, RegisterUser, WriteArticle, serve, settings_for

pytestmark = pytest.mark.anyio


def test_config_spells_out_the_keys_and_the_handler(alchemy: SQLAlchemyAsyncConfig) -> None:
    assert alchemy.session_dependency_key == "db_session"
    assert alchemy.engine_dependency_key == "db_engine"
    assert alchemy.session_config.expire_on_commit is False
    assert callable(alchemy.before_send_handler)


def test_the_app_has_one_plugin_with_one_config(app: Litestar, alchemy: SQLAlchemyAsyncConfig) -> None:
    plugin = app.plugins.get(SQLAlchemyPlugin)
    assert [config.session_dependency_key for config in plugin.config] == ["db_session"]
    assert plugin.config[0] is alchemy
    assert {"db_session", "db_engine"} <= set(app.dependencies)


def test_with_replicas_the_one_config_routes_writes_to_the_primary_and_reads_to_the_requests_database(
    tmp_path: Path,
) -> None:
    primary, replica = (
        "postgresql+asyncpg://postgres@127.0.0.1:1/primary",
        "postgresql+asyncpg://postgres@127.0.0.1:1/r",
    )
    app = create_app(settings_for(tmp_path, primary, database_replica_urls=(replica,)))
    alchemy = alchemy_config_of(app)
    assert (alchemy.session_dependency_key, alchemy.engine_dependency_key) == ("db_session", "db_engine")
    assert callable(alchemy.before_send_handler)
    session = alchemy.create_session_maker()()
    assert isinstance(session.sync_session, RoutingSyncSession)
    assert session.bind is alchemy.get_engine()  # the primary, which the engine dependency names too

    replicas = app.state.replicas
    read, write = select(User.id), insert(User)
    assert session.sync_session.get_bind(clause=read) is replicas.primary.engine.sync_engine
    token = request_database.set(replicas.replicas[0])
    try:
        assert session.sync_session.get_bind(clause=read) is replicas.replicas[0].engine.sync_engine
        assert session.sync_session.get_bind(clause=read.with_for_update()) is replicas.primary.engine.sync_engine
        assert session.sync_session.get_bind(clause=write) is replicas.primary.engine.sync_engine
    finally:
        request_database.reset(token)


@get("/api/test/injection", sync_to_thread=False)
def injection_probe(
    request: Request,
    db_session: NamedDependency[AsyncSession],
    db_engine: NamedDependency[AsyncEngine],
    users_service: NamedDependency[UserService],
    profiles_service: NamedDependency[ProfileService],
    articles_service: NamedDependency[ArticleService],
    comments_service: NamedDependency[CommentService],
    tags_service: NamedDependency[TagService],
) -> dict[str, Any]:
    services: list[Any] = [users_service, profiles_service, articles_service, comments_service, tags_service]
    return {
        "session_is_an_async_session": isinstance(db_session, AsyncSession),
        "engine_is_the_configured_one": db_engine is alchemy_config_of(request.app).get_engine(),
        "services": [type(service).__name__ for service in services],
        "services_share_the_request_session": [service.repository.session is db_session for service in services],
        "services_start_from_statements_built_once": [
            service.repository.statement is all_rows(service.repository.model_type) for service in services
        ],
    }


async def test_session_and_engine_are_injected_into_handlers_and_providers(app: Litestar) -> None:
    app.register(injection_probe)
    async with serve(app) as client:
        response = await client.get("/api/test/injection")

    assert response.status_code == 200
    assert response.json() == {
        "session_is_an_async_session": True,
        "engine_is_the_configured_one": True,
        "services": ["UserService", "ProfileService", "ArticleService", "CommentService", "TagService"],
        "services_share_the_request_session": [True] * 5,
        "services_start_from_statements_built_once": [True] * 5,
    }


async def _write_user(users_service: UserService, username: str) -> None:
    await users_service.create(User(username=username, email=f"{username}@example.org", password_hash="x"))


@post("/api/test/write/ok")
async def write_then_succeed(users_service: NamedDependency[UserService]) -> None:
    await _write_user(users_service, "committed")


@post("/api/test/write/invalid")
async def write_then_refuse(users_service: NamedDependency[UserService]) -> None:
    await _write_user(users_service, "refused")
    raise InvalidInputError("test", "refused after writing")


@post("/api/test/write/forbidden")
async def write_then_forbid(users_service: NamedDependency[UserService]) -> None:
    await _write_user(users_service, "forbidden")
    raise PermissionDeniedException


@post("/api/test/write/crash")
async def write_then_crash(users_service: NamedDependency[UserService]) -> None:
    await _write_user(users_service, "crashed")
    raise RuntimeError("boom")


@post("/api/test/write/redirect")
async def write_then_redirect(users_service: NamedDependency[UserService]) -> Redirect:
    await _write_user(users_service, "redirected")
    return Redirect("/api/tags")


@pytest.mark.parametrize(
    ("path", "username", "status", "kept", "errors"),
    [
        ("/api/test/write/ok", "committed", 201, True, None),
        ("/api/test/write/invalid", "refused", 422, False, {"test": ["refused after writing"]}),
        ("/api/test/write/forbidden", "forbidden", 403, False, {"request": ["was refused: Forbidden"]}),
        ("/api/test/write/crash", "crashed", 500, False, {"server": ["had an internal error"]}),
        ("/api/test/write/redirect", "redirected", 302, True, None),
    ],
)
async def test_commit_only_on_2xx_and_3xx_as_before_send_handler_says(
    app: Litestar,
    client: AsyncClient,
    db: AsyncSession,
    path: str,
    username: str,
    status: int,
    kept: bool,
    errors: dict[str, list[str]] | None,
) -> None:
    for handler in (write_then_succeed, write_then_refuse, write_then_forbid, write_then_crash, write_then_redirect):
        app.register(handler)

    response = await client.post(path, follow_redirects=False)

    assert response.status_code == status
    if errors is not None:
        assert response.json() == {"errors": errors}
    assert (await db.scalar(select(User).where(User.username == username)) is not None) is kept


@post("/api/test/write/fails-at-commit")
async def write_then_fail_at_commit(db_session: NamedDependency[AsyncSession]) -> None:
    """A write that SQLite accepts until COMMIT checks the (deferred) foreign keys."""
    await db_session.execute(text("PRAGMA defer_foreign_keys = ON"))
    await db_session.execute(insert(Comment).values(body="orphan", article_id=uuid.uuid4(), author_id=uuid.uuid4()))


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's deferred foreign keys are what this provokes")
async def test_a_failed_commit_is_an_error_not_a_2xx_on_sqlite(
    app: Litestar, client: AsyncClient, db: AsyncSession
) -> None:
    app.register(write_then_fail_at_commit)

    response = await client.post("/api/test/write/fails-at-commit")

    assert response.status_code == 500
    assert response.json() == {"errors": {"server": ["had an internal error"]}}
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.fixture
async def comments_fail_at_commit(client: AsyncClient, db: AsyncSession) -> AsyncIterator[None]:
    """A deferred constraint trigger that refuses every new comment at COMMIT, as a failing disk or a
    serialization conflict would."""
    await db.execute(
        text(
            "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"
        )
    )
    await db.execute(
        text(
            "CREATE CONSTRAINT TRIGGER refuse_comments_at_commit AFTER INSERT ON comments "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"
        )
    )
    await db.commit()
    yield
    await db.execute(text("DROP TRIGGER refuse_comments_at_commit ON comments"))
    await db.execute(text("DROP FUNCTION refuse_at_commit()"))
    await db.commit()


@pytest.mark.skipif(not ON_POSTGRES, reason="a deferred constraint trigger needs PostgreSQL")
@pytest.mark.usefixtures("comments_fail_at_commit")
async def test_a_comment_refused_at_commit_is_not_acknowledged(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    reader = await register()
    slug = (await write_article(await register()))["slug"]

    response = await client.post(
        f"/api/articles/{slug}/comments", headers=reader.headers, json={"comment": {"body": "Lost?"}}
    )

    assert response.status_code == 500
    assert response.json() == {"errors": {"server": ["had an internal error"]}}
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


def test_every_handler_commits_through_the_one_request_transaction(app: Litestar) -> None:
    """Every route runs inside the one ``RequestTransaction`` (installed on the app, so no router can leave it out)."""
    handlers = [handler for route in app.routes for handler in getattr(route, "route_handlers", [])]
    transactions = {
        handler.handler_name: [
            middleware for middleware in handler.resolve_middleware() if isinstance(middleware, RequestTransaction)
        ]
        for handler in handlers
    }

    assert handlers
    assert {len(found) for found in transactions.values()} == {1}
    assert len({id(found[0]) for found in transactions.values()}) == 1


def _handlers(app: Litestar) -> list[tuple[str, Any, Any]]:
    """Every HTTP handler of ``app``: ``("METHOD /path", handler, its kwargs model)``."""
    return [
        (f"{method} {route.path}", handler, model)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method, (handler, model) in route.route_handler_map.items()
    ]


def test_every_handler_that_needs_the_signed_in_viewer_is_guarded(app: Litestar) -> None:
    """``request.signed_in_viewer`` raises too, but only once the handler runs: after the body was parsed and checked.
    The guard answers 401 before any of that, so a caller who is not signed in learns nothing from a 422."""
    reading = {
        name: handler for name, handler, _ in _handlers(app) if "signed_in_viewer" in inspect.getsource(handler.fn)
    }
    unguarded = [
        name
        for name, handler in reading.items()
        if not any(signed_in_only in (layer.guards or ()) for layer in handler.ownership_layers)
    ]

    assert "POST /api/articles/{slug:str}/favorite" in reading
    assert "POST /editor" in reading
    assert unguarded == []
