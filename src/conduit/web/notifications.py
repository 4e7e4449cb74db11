"""Unsubscribing from notification mails by the link each one carries, including the one-click kind (RFC 8058).

Outside the pages' router: mail clients post the one-click form with neither a session nor a CSRF token; the
link's signed token says whose mail of which kind stops, and nothing else.
"""

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from conduit.db.models import NotificationKind
from conduit.lib.exceptions import NotFoundError
from conduit.lib.settings import Settings
from conduit.notifications.services import read_unsubscribe_token
from conduit.users.deps import Users
from conduit.web.rendering import page

UNSUBSCRIBE_PATH = "/unsubscribe"
Token = Annotated[str, QueryParameter(name="token", max_length=256)]
KIND_NAMES = {"follow": "new followers", "comment": "comments on your articles"}


class UnsubscribeController(Controller):
    """One notification kind's mails, stopped from the mail itself."""

    path = UNSUBSCRIBE_PATH
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get()
    async def unsubscribe_page(self, token: Token, settings: NamedDependency[Settings]) -> Template:
        """A button that stops the mails (a GET changes nothing: mail scanners open links)."""
        _, kind = _read(token, settings)
        return page("unsubscribe.html", token=token, about=KIND_NAMES[kind], done=False)

    @post(status_code=HTTP_200_OK)
    async def unsubscribe(self, token: Token, users_service: Users, settings: NamedDependency[Settings]) -> Template:
        """Stop the mails: the one-click POST of RFC 8058, or the page's button."""
        user_id, kind = _read(token, settings)
        await users_service.stop_notifications(user_id, kind)
        return page("unsubscribe.html", token=token, about=KIND_NAMES[kind], done=True)


def _read(token: str, settings: Settings) -> tuple[UUID, NotificationKind]:
    if (read := read_unsubscribe_token(settings.secret_key, token)) is None:
        raise NotFoundError("unsubscribe link")
    return read
