"""The composition root: the one place a Conduit application is assembled."""

import hashlib

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.static_files import create_static_files_router
from litestar_htmx import HTMXPlugin

from conduit.articles.controllers import ArticleController
from conduit.articles.deps import provide_articles_service
from conduit.cli import ConduitCLIPlugin
from conduit.comments.controllers import CommentController
from conduit.comments.deps import provide_comments_service
from conduit.config import alchemy_plugin, settings
from conduit.lib.exceptions import exception_handlers
from conduit.profiles.controllers import ProfileController
from conduit.profiles.deps import provide_profiles_service
from conduit.tags.controllers import TagController
from conduit.tags.deps import provide_tags_service
from conduit.users.controllers import UserController
from conduit.users.deps import provide_current_user, provide_optional_user, provide_users_service
from conduit.web.controllers import (
    AccountController,
    ArticlePageController,
    EditorController,
    HomeController,
    ProfilePageController,
)
from conduit.web.deps import provide_member, provide_viewer
from conduit.web.errors import for_browsers
from conduit.web.rendering import STATIC_DIR, template_config
from conduit.web.sessions import SESSION_STORE, purging_expired_sessions, session_config, session_store


def create_app() -> Litestar:
    """Build the Conduit application."""
    return Litestar(
        route_handlers=[
            UserController,
            ProfileController,
            ArticleController,
            CommentController,
            TagController,
            HomeController,
            AccountController,
            EditorController,
            ArticlePageController,
            ProfilePageController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        plugins=[alchemy_plugin, ConduitCLIPlugin(), HTMXPlugin()],
        dependencies={
            "users_service": Provide(provide_users_service),
            "profiles_service": Provide(provide_profiles_service),
            "articles_service": Provide(provide_articles_service),
            "comments_service": Provide(provide_comments_service),
            "tags_service": Provide(provide_tags_service),
            "optional_user": Provide(provide_optional_user),
            "current_user": Provide(provide_current_user),
            "viewer": Provide(provide_viewer),
            "member": Provide(provide_member),
        },
        exception_handlers=for_browsers(exception_handlers),
        middleware=[session_config.middleware],
        stores={SESSION_STORE: session_store},
        csrf_config=CSRFConfig(
            secret=hashlib.sha256(f"csrf:{settings.secret_key}".encode()).hexdigest(),
            cookie_secure=settings.session_cookie_secure,
            cookie_httponly=True,
            exclude=["^/api/"],
        ),
        template_config=template_config,
        lifespan=[purging_expired_sessions],
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Requested-With"],
            max_age=600,
        ),
        openapi_config=OpenAPIConfig(
            title="Conduit API",
            version="1.1.0",
            description="The RealWorld Conduit API.",
            path="/api/docs",
            servers=[Server(url="/")],
            components=Components(
                security_schemes={
                    "Token": SecurityScheme(
                        type="apiKey",
                        name="Authorization",
                        security_scheme_in="header",
                        description="'Token <jwt>', the token from login or registration.",
                    )
                }
            ),
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=settings.max_request_body_bytes,
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="never",
        ),
        debug=False,
    )
