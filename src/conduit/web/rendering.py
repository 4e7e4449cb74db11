"""How pages are rendered: the Jinja helpers templates use, and the responses page controllers return."""

import hashlib
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY
from litestar_htmx import HTMXRequest
from markupsafe import Markup, escape

from conduit.lib.exceptions import ConduitError, TooManyAttemptsError
from conduit.profiles.schemas import Profile
from conduit.users.schemas import IMAGE_URL_PATTERN
from conduit.web.forms import errors_by_field, local_path

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
HTMX_SCRIPT = STATIC_DIR / "vendor" / "htmx.min.js"
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


def button_or_back(
    request: HTMXRequest, form: dict[str, str], button: str, default: str, **context: Any
) -> Template | Redirect:
    """After a button's form was posted: with htmx, the ``button`` template alone (it replaces itself), else a
    redirect back to the page the form was posted from (or to ``default``)."""
    if request.htmx:
        return page(button, next=form.get("next"), **context)
    return back(form, default)


def avatar(user: Profile, size: str = "small") -> Markup:
    """The user's picture (only from an http or https address: a value stored before pictures were checked may be
    anything), or their initial on a colour derived from their name."""
    return _avatar(user.username, user.image, size)


@lru_cache(maxsize=4096)
def _avatar(username: str, image: str | None, size: str) -> Markup:
    """Remembered: a list page shows the same few authors again and again."""
    if image and re.fullmatch(IMAGE_URL_PATTERN, image):
        return Markup('<img class="avatar {}" src="{}" alt="">').format(size, image)
    hue = int(hashlib.sha256(username.encode()).hexdigest()[:4], 16) % AVATAR_HUES
    return Markup('<span class="avatar {} hue-{}" aria-hidden="true">{}</span>').format(
        size, hue, escape(username[:1].upper())
    )


def long_date(timestamp: str) -> str:
    """``2026-01-02T03:04:05.000Z`` as ``January 2, 2026`` (the day in UTC)."""
    return _long_day(timestamp[:10])


@lru_cache(maxsize=4096)
def _long_day(day: str) -> str:
    """Remembered, like ``_avatar``: the articles of a page share few days."""
    moment = date.fromisoformat(day)
    return f"{moment:%B} {moment.day}, {moment.year}"


def current_url(request: Request[Any, Any, Any]) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def read_only(request: Request[Any, Any, Any]) -> bool:
    """Whether the site serves reads only for now: the primary database is down and a replica serves them."""
    replicas = request.app.state.get("replicas")
    return bool(replicas is not None and replicas.read_only)


def register_helpers(engine: JinjaTemplateEngine) -> None:
    """Make the helpers above available to every template, and read each template once per process.

    Jinja would otherwise look at every template file's modification time each time a page includes it
    (some thirty times for the home page); ``conduit run --reload`` restarts on template changes instead.
    """
    engine.engine.auto_reload = False
    engine.engine.globals.update(
        avatar=avatar, current_url=current_url, read_only=read_only, htmx_available=HTMX_SCRIPT.exists()
    )
    engine.engine.filters["long_date"] = long_date


def refused(template: str, data: dict[str, str], error: ConduitError, fields: list[str], **context: Any) -> Template:
    """The form again, with what was typed (never the password) and the reasons it was refused: invalid input next
    to its ``fields``, anything else above the form. Throttling keeps its 429 and ``Retry-After``; every other
    refusal is a 422."""
    form = {name: value for name, value in data.items() if name != "password"}
    errors = errors_by_field(error, fields)
    throttled = isinstance(error, TooManyAttemptsError)
    status_code = error.status_code if throttled else HTTP_422_UNPROCESSABLE_ENTITY
    response = page(template, status_code, form=form, errors=errors, next=data.get("next"), **context)
    response.headers.update(error.headers if throttled else {})
    return response
