"""Profiles: users as others see them, and who follows whom."""

from functools import cache
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, Select, bindparam, exists, false, select

from conduit.db.models import User, follows
from conduit.db.statements import ResultRow, read_row, set_link
from conduit.lib.exceptions import InvalidInputError, found
from conduit.notifications.services import NO_NOTIFICATIONS, NotificationRules, NotificationService

VIEWER = bindparam("viewer_id", type_=User.id.type)
"""The signed-in viewer's id, bound when a statement runs."""
USER_CALLED = select(User.id).where(User.username == bindparam("username"))
"""The id of the user with the name bound as ``username`` (whom a follow links to)."""


def is_followed_by(viewer_id: Any) -> ColumnElement[bool]:
    """SQL telling whether the viewer (an id, or a bound parameter) follows the ``User`` row at hand."""
    return exists().where(follows.c.follower_id == viewer_id, follows.c.followed_id == User.id)


def followed_by(user_id: Any) -> Select[Any]:
    """The ids of the users ``user_id`` follows."""
    return select(follows.c.followed_id).where(follows.c.follower_id == user_id)


@cache
def profile_statement(*, signed_in: bool) -> Select[Any]:
    """``username``, ``bio``, ``image`` and ``following`` (as the bound viewer sees it) of the user ``username``."""
    following = is_followed_by(VIEWER) if signed_in else false()
    columns: list[Any] = [User.username, User.bio, User.image, following.label("following")]
    return select(*columns).where(User.username == bindparam("username"))


class ProfileService(SQLAlchemyAsyncRepositoryService[User]):
    """Users as others see them, and who follows whom."""

    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

        async def profile(self, username: str, viewer_id: UUID | None) -> ResultRow | None:
            """``username``, ``bio``, ``image`` and ``following`` (as the viewer sees it) of one user."""
            statement = profile_statement(signed_in=viewer_id is not None)
            values = {"username": username, "viewer_id": viewer_id}
            return await read_row(self.session, statement, values)

    repository_type = Repo

    async def get_profile(self, username: str, viewer: User | None) -> ResultRow:
        """The user called ``username``, with ``following`` filled in for ``viewer``.

        Raises:
            NotFoundError: No user has that name.
        """
        profile: ResultRow | None = await self.repository.profile(username, viewer.id if viewer else None)
        return found(profile, "profile")

    async def follow(
        self, viewer: User, username: str, *, undo: bool = False, notify: NotificationRules = NO_NOTIFICATIONS
    ) -> ResultRow:
        """Make ``viewer`` follow ``username`` (with ``undo``, stop following); doing either twice is harmless. A new
        follow is a notification for ``username``, when ``notify`` says notifications are on.

        Raises:
            NotFoundError: No user has that name.
            InvalidInputError: ``viewer`` tried to follow themselves.
        """
        if username == viewer.username and not undo:
            raise InvalidInputError("profile", "is your own; you cannot follow yourself")
        session = self.repository.session
        owner, target = follows.c.follower_id, follows.c.followed_id
        changed = await set_link(
            session, owner, viewer.id, target, USER_CALLED, {"username": username}, linked=not undo
        )
        if changed and not undo:
            await NotificationService(session=session).followed(viewer, username, notify)
        return await self.get_profile(username, viewer)
