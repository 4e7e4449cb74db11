"""The composition root: ``create_app`` is the one place a Conduit application is assembled."""

from datetime import timedelta

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.structlog import StructlogPlugin
from litestar.static_files import create_static_files_router
from litestar_htmx import HTMXConfig, HTMXPlugin

from conduit import config
from conduit.accounts.controllers import AccountMailController
from conduit.accounts.deps import account_tokens_service_provider
from conduit.articles.controllers import ArticleController
from conduit.articles.deps import articles_service_provider
from conduit.comments.controllers import CommentController
from conduit.comments.deps import comments_service_provider
from conduit.lib.auth import BrowserSessionAuthMiddleware, Tokens
from conduit.lib.caching import (
    RESPONSE_CACHE_STORE,
    BoundedMemoryStore,
    ContentVersion,
    response_cache_config,
    validators,
)
from conduit.lib.database import closing_connections, pool_limit
from conduit.lib.headers import security_headers
from conduit.lib.health import HealthController, Readiness
from conduit.lib.heap import frozen_startup_heap
from conduit.lib.logs import request_log, structlog_config
from conduit.lib.metrics import MetricsController, leave_multiprocess_registry, request_metrics, watch_pool
from conduit.lib.replicas import Replicas
from conduit.lib.requests import ConduitRequest, reading_refused_bodies, refuse_nul_in_url
from conduit.lib.routing import DatabaseRouting, WriteMarks
from conduit.lib.settings import Settings
from conduit.lib.throttling import Throttle
from conduit.lib.transactions import RequestTransaction
from conduit.notifications.services import NotificationRules
from conduit.profiles.controllers import ProfileController
from conduit.profiles.deps import profiles_service_provider
from conduit.tags.controllers import TagController
from conduit.tags.deps import tags_service_provider
from conduit.users.controllers import UserController
from conduit.users.deps import (
    browser_session_retrieve_user_handler,
    token_retrieve_user_handler,
    users_service_provider,
)
from conduit.users.rules import AccountRules
from conduit.web.accounts import AccountMailPageController
from conduit.web.articles import ArticlePageController, EditorController, HomeController
from conduit.web.browser_sessions import (
    BROWSER_SESSION_COOKIE,
    BROWSER_SESSION_STORE,
    browser_session_middleware,
    browser_session_viewer,
    purging_expired_browser_sessions,
)
from conduit.web.comments import CommentPageController
from conduit.web.csrf import SessionCSRFMiddleware
from conduit.web.errors import error_pages
from conduit.web.favicon import favicon
from conduit.web.feeds import FeedController
from conduit.web.notifications import UnsubscribeController
from conduit.web.paging import provide_page_request
from conduit.web.profiles import ProfilePageController
from conduit.web.rendering import STATIC_DIR
from conduit.web.search import SearchPageController
from conduit.web.users import UserPageController
from conduit.workers import job_queue


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the Conduit application from ``settings`` (read from the environment when omitted)."""
    settings = (settings or Settings.from_env()).completed()
    replicas = Replicas(settings) if settings.database_replica_urls else None
    alchemy = config.alchemy_config(settings, replicas)
    tokens = Tokens(settings.secret_key, settings.token_ttl_seconds, token_retrieve_user_handler(alchemy))
    browser_sessions = config.browser_session_config(settings)
    throttle = Throttle(settings)
    # With replicas a page read on a lagging replica could be kept under a version newer than what it shows.
    caching = settings.response_cache_seconds and replicas is None
    versions = ContentVersion(settings.redis_url) if caching else None
    account_rules, notifications = AccountRules.of(settings), NotificationRules.of(settings)
    mail = settings.account_mail  # password reset, address confirmation and notifications, with their pages
    watch_pool(alchemy.get_engine(), pool_limit(settings))
    readiness = Readiness(alchemy.get_engine(), settings.redis_url, replicas)
    # Twice the lag bound: by then every replica that may serve a read has replayed the write.
    marks = WriteMarks(settings.redis_url, 2 * settings.database_replica_max_lag_seconds + 1)
    routing = (
        []
        if replicas is None
        else [DatabaseRouting(replicas, marks, cookie=BROWSER_SESSION_COOKIE, bypass=config.NO_DATABASE_PATHS)]
    )
    answer_error = error_pages(browser_session_viewer(browser_sessions, browser_session_retrieve_user_handler(alchemy)))
    transaction = RequestTransaction(
        alchemy,
        reads_outside_transactions=alchemy.get_engine().dialect.name == "postgresql"
        and not settings.database_pgbouncer,
        error_handler=answer_error,
        bypass=config.NO_DATABASE_PATHS,
        serialize_writes=alchemy.get_engine().dialect.name == "sqlite",
        versions=versions,
    )
    api = Router(
        path="/api",
        route_handlers=[
            UserController,
            *([AccountMailController] if mail else []),
            ProfileController,
            ArticleController,
            CommentController,
            TagController,
        ],
        middleware=[tokens.middleware, validators],
    )
    pages = Router(
        path="/",
        include_in_schema=False,  # the API's schema describes the API only
        route_handlers=[
            HomeController,
            UserPageController,
            EditorController,
            ArticlePageController,
            CommentPageController,
            ProfilePageController,
            SearchPageController,
            *([AccountMailPageController] if mail else []),
        ],
        middleware=[
            DefineMiddleware(
                BrowserSessionAuthMiddleware, retrieve_user=browser_session_retrieve_user_handler(alchemy)
            ),
            DefineMiddleware(
                SessionCSRFMiddleware,
                config=config.csrf_config(settings),
                trusted_origins=settings.csrf_trusted_origins,
                https=settings.cookies_secure,
            ),
        ],
    )
    app = Litestar(
        route_handlers=[
            api,
            pages,
            FeedController,  # outside ``pages``: feed readers have no session and send no forms
            *([UnsubscribeController] if mail else []),  # outside too: mail clients post it with neither
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
            favicon,
            HealthController,
            MetricsController,
        ],
        plugins=[
            SQLAlchemyPlugin(config=alchemy),
            StructlogPlugin(structlog_config(settings)),
            HTMXPlugin(HTMXConfig(set_request_class_globally=False)),
        ],
        request_class=ConduitRequest,
        state=State({"replicas": replicas}),
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "tokens": Provide(lambda: tokens, use_cache=True, sync_to_thread=False),
            "throttle": Provide(lambda: throttle, use_cache=True, sync_to_thread=False),
            "account_rules": Provide(lambda: account_rules, use_cache=True, sync_to_thread=False),
            "notifications": Provide(lambda: notifications, use_cache=True, sync_to_thread=False),
            "users_service": Provide(users_service_provider(alchemy)),
            "profiles_service": Provide(profiles_service_provider(alchemy)),
            "articles_service": Provide(articles_service_provider(alchemy)),
            "comments_service": Provide(comments_service_provider(alchemy)),
            "tags_service": Provide(tags_service_provider(alchemy)),
            "account_tokens_service": Provide(account_tokens_service_provider(alchemy)),
            "readiness": Provide(lambda: readiness, use_cache=True, sync_to_thread=False),
            "page_request": Provide(provide_page_request),
        },
        middleware=[
            refuse_nul_in_url,
            throttle.middleware,
            *routing,
            browser_session_middleware(browser_sessions),
            transaction,
        ],
        before_request=transaction.before_handler,  # runs only when the response cache missed
        before_send=[security_headers(hsts=settings.cookies_secure)],
        exception_handlers={Exception: answer_error},
        stores={
            BROWSER_SESSION_STORE: config.browser_session_store(alchemy),
            RESPONSE_CACHE_STORE: BoundedMemoryStore(),
        },
        response_cache_config=response_cache_config(settings),
        template_config=config.template_config(),
        lifespan=[
            closing_connections(alchemy),
            *([] if replicas is None else [replicas.lifespan()]),
            purging_expired_browser_sessions(alchemy, timedelta(seconds=settings.session_purge_interval_seconds)),
            *([job_queue(settings, alchemy).working] if mail and settings.jobs_in_app else []),
            frozen_startup_heap,
        ],
        on_shutdown=[
            throttle.close,
            readiness.close,
            marks.close,
            *([] if versions is None else [versions.close]),
            leave_multiprocess_registry,
        ],
        cors_config=config.cors_config(settings),
        openapi_config=config.openapi_config(settings),
        request_max_body_size=settings.max_request_body_bytes,
        debug=False,
    )
    # Around the router rather than in ``middleware`` (which Litestar applies per route), so that requests
    # for unknown paths are counted and logged too.
    app.asgi_handler = request_log(
        request_metrics(reading_refused_bodies(app.asgi_handler), quiet_paths=config.OPERATIONS_PATHS),
        quiet_paths=config.OPERATIONS_PATHS,
    )
    return app
