"""How pages are rendered: the Jinja helpers templates use, and the responses page controllers return."""

import hashlib
import math
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER
from markupsafe import Markup, escape

from conduit.db.models import User
from conduit.web.forms import local_path

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
HTMX_SCRIPT = STATIC_DIR / "vendor" / "htmx.min.js"
PAGE_SIZE = 10
AVATAR_HUES = 12
"""Initials avatars come in this many colours, ``.hue-0`` to ``.hue-11`` in the style sheet (no inline styles,
which the Content-Security-Policy forbids)."""


def page(template: str, status_code: int = HTTP_200_OK, **context: Any) -> Template:
    """``template`` rendered with ``context``."""
    return Template(template_name=template, context=context, status_code=status_code)


def see_other(path: str) -> Redirect:
    """Where the browser goes after a form post."""
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


def back(form: dict[str, str], default: str) -> Redirect:
    """Back to the page the form was posted from (its ``next`` field), or to ``default``."""
    return see_other(local_path(form.get("next"), default))


def paging(total: int, current: int) -> dict[str, Any]:
    """The template context for page ``current`` of a list of ``total`` items."""
    return {"page": current, "pages": max(math.ceil(total / PAGE_SIZE), 1), "total": total}


def avatar(user: User, size: str = "small") -> Markup:
    """The user's picture (only from an http or https address), or their initial on a colour derived from their name."""
    if user.image and user.image.lower().startswith(("https://", "http://")):
        return Markup('<img class="avatar {}" src="{}" alt="">').format(size, user.image)
    hue = int(hashlib.sha256(user.username.encode()).hexdigest()[:4], 16) % AVATAR_HUES
    return Markup('<span class="avatar {} hue-{}" aria-hidden="true">{}</span>').format(
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


def register_helpers(engine: JinjaTemplateEngine) -> None:
    """Make the helpers above available to every template."""
    engine.engine.globals.update(
        avatar=avatar, current_url=current_url, page_url=page_url, htmx_available=HTMX_SCRIPT.exists()
    )
    engine.engine.filters["long_date"] = long_date
