"""Jinja setup: where the templates are, and the helpers they use."""

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from conduit.db.models import User

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
HTMX_SCRIPT = STATIC_DIR / "vendor" / "htmx.min.js"


def avatar(user: User, size: str = "small") -> Markup:
    """The user's picture, or their initial on a colour derived from their name."""
    if user.image:
        return Markup('<img class="avatar {}" src="{}" alt="">').format(size, user.image)
    hue = int(hashlib.sha256(user.username.encode()).hexdigest()[:4], 16) % 360
    return Markup('<span class="avatar {}" style="--hue: {}" aria-hidden="true">{}</span>').format(
        size, hue, escape(user.username[:1].upper())
    )


def long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def current_url(request: Request[Any, Any, Any]) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def page_url(request: Request[Any, Any, Any], number: int) -> str:
    """The current page's address, showing page ``number`` of the list."""
    params = {key: value for key, value in request.query_params.items() if key != "page"}
    if number > 1:
        params["page"] = str(number)
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def _register_helpers(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals.update(
        avatar=avatar, current_url=current_url, page_url=page_url, htmx_available=HTMX_SCRIPT.exists()
    )
    engine.engine.filters["long_date"] = long_date


template_config = TemplateConfig(
    directory=WEB_DIR / "templates", engine=JinjaTemplateEngine, engine_callback=_register_helpers
)
