"""Every framework configuration, built from ``Settings``: the database, browser sessions, CSRF, CORS,
OpenAPI and templates (logging is in ``conduit.lib.logs``). Nothing here reads the environment or runs at import time;
``conduit.app.create_app`` calls these functions.
"""

import hashlib
import re
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from conduit.db.models import SessionRecord, orm_registry
from conduit.db.models.session import SESSION_NAMESPACE
from conduit.lib.database import create_engine, engine_options
from conduit.lib.health import LIVENESS_PATH, READINESS_PATH
from conduit.lib.metrics import METRICS_PATH
from conduit.lib.openapi import SwaggerPage
from conduit.lib.replicas import Replicas
from conduit.lib.settings import Settings
from conduit.web.browser_sessions import BROWSER_SESSION_COOKIE, BROWSER_SESSION_STORE
from conduit.web.feeds import FEED_FILE
from conduit.web.notifications import UNSUBSCRIBE_PATH
from conduit.web.rendering import TEMPLATES_DIR, register_helpers

MIGRATIONS_DIR = Path(__file__).parent / "db" / "migrations"
API_VERSION = "2.0.0"
OPERATIONS_PATHS = (LIVENESS_PATH, READINESS_PATH, METRICS_PATH)
"""What load balancers and Prometheus call: no session, no access log line, no request metrics."""
NO_DATABASE_PATHS = ("/static/", "/favicon", *OPERATIONS_PATHS)
"""What never reads through a request's database session (the readiness check takes a connection of its own)."""


def alchemy_config(settings: Settings, replicas: Replicas | None = None) -> SQLAlchemyAsyncConfig:
    """The one database configuration: request-scoped database sessions for handlers and providers, and Alembic.

    ``before_send_handler`` is Advanced Alchemy's "commit on 2xx and 3xx (a form post answers with a
    redirect), roll back otherwise"; ``conduit.lib.transactions`` applies that policy before the response
    starts, so that a failed COMMIT is answered as an error instead of being logged after a 2xx.
    ``expire_on_commit=False``: what a handler read stays readable once its transaction is committed.
    With ``replicas``, the sessions are Advanced Alchemy's routing sessions over the primary (the engine) and the
    replicas (``conduit.lib.replicas``).
    """
    session_config = AsyncSessionConfig(expire_on_commit=False)
    if replicas is None:
        database: dict[str, Any] = {
            "connection_string": settings.database_url,
            "create_engine_callable": create_engine,
            "engine_config": EngineConfig(**engine_options(settings)),
        }
    else:
        database = {
            "engine_instance": replicas.primary.engine,
            "session_maker": replicas.session_maker({"expire_on_commit": False}),
        }
    return SQLAlchemyAsyncConfig(
        **database,
        metadata=orm_registry.metadata,
        before_send_handler="autocommit_include_redirects",
        session_dependency_key="db_session",
        engine_dependency_key="db_engine",
        session_config=session_config,
        set_default_exception_handler=False,  # errors are named once, in conduit.lib.exceptions
        create_all=False,  # the schema is the migrations' to create and change, tests included
        alembic_config=alembic_config(),
    )


def alembic_config() -> AlembicAsyncConfig:
    """Migrations: the revisions shipped in ``conduit/db/migrations``, tracked in ``alembic_versions``."""
    return AlembicAsyncConfig(
        script_location=str(MIGRATIONS_DIR),
        script_config="",
        version_table_name="alembic_versions",
        compare_type=True,
        render_as_batch=True,
        user_module_prefix=None,
    )


def alchemy_config_of(app: Litestar) -> SQLAlchemyAsyncConfig:
    """The database configuration ``app`` was built with (for commands that reach it through the CLI)."""
    config = app.plugins.get(SQLAlchemyPlugin).config
    return config[0] if isinstance(config, list | tuple) else config  # type: ignore[return-value]


def browser_session_config(settings: Settings) -> ServerSideSessionConfig:
    """Browser sign-ins: an HttpOnly, SameSite=Lax cookie naming a row of the ``sessions`` table.

    The middleware is installed on the whole app (where ``litestar sessions`` looks for it) but skips
    the API, static files and feeds, which never use it.
    """
    return ServerSideSessionConfig(
        store=BROWSER_SESSION_STORE,
        key=BROWSER_SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        exclude=[
            "^/api/",
            "^/static/",
            f"/{re.escape(FEED_FILE)}$",
            f"^{re.escape(UNSUBSCRIBE_PATH)}$",
            *(f"^{re.escape(path)}$" for path in OPERATIONS_PATHS),
        ],
    )


def browser_session_store(alchemy: SQLAlchemyAsyncConfig) -> SQLAlchemyStore:
    """Where browser sessions are kept: the ``sessions`` table, through the same database configuration."""
    # SessionRecord has the store model's columns without deriving from it (see conduit.db.models.session).
    return SQLAlchemyStore(config=alchemy, model=SessionRecord, namespace=SESSION_NAMESPACE)  # type: ignore[arg-type]


def csrf_config(settings: Settings) -> CSRFConfig:
    """CSRF tokens for every state-changing form and htmx request (the JSON API uses tokens, not cookies).

    The cookie, header and form field are Litestar's; ``conduit.web.csrf`` binds the tokens to the session and checks
    the origin of each request.
    """
    return CSRFConfig(
        secret=hashlib.sha256(f"csrf:{settings.secret_key}".encode()).hexdigest(),
        cookie_secure=settings.cookies_secure,
        cookie_httponly=True,
    )


def cors_config(settings: Settings) -> CORSConfig:
    """Which browser origins may call the API."""
    return CORSConfig(
        allow_origins=list(settings.cors_allowed_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Requested-With"],
        max_age=600,
    )


def openapi_config(settings: Settings) -> OpenAPIConfig | None:
    """The API's OpenAPI schema and Swagger UI, served under ``/api/docs`` unless ``API_DOCS`` turns them off."""
    if not settings.api_docs:
        return None
    return OpenAPIConfig(
        title="Conduit API",
        version=API_VERSION,
        description="The RealWorld Conduit API.",
        path="/api/docs",
        servers=[Server(url="/")],
        components=Components(
            security_schemes={
                "Token": SecurityScheme(
                    type="apiKey",
                    name="Authorization",
                    security_scheme_in="header",
                    description="'Token <jwt>' (or 'Bearer <jwt>'), the token from login or registration.",
                )
            }
        ),
        render_plugins=[SwaggerPage()],
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The pages' Jinja templates and the helpers they use."""
    return TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=register_helpers)
