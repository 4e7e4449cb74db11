"""Profiles: users as others see them, and who follows whom."""

from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, Result, Select, delete, exists, false, literal, select

from conduit.db.models import User, follows
from conduit.db.statements import ResultRow, dialect_insert
from conduit.lib.exceptions import InvalidInputError, NotFoundError


def is_followed_by(viewer_id: Any) -> ColumnElement[bool]:
    """SQL telling whether the viewer (an id, or a bound parameter) follows the ``User`` row at hand."""
    return exists().where(follows.c.follower_id == viewer_id, follows.c.followed_id == User.id)


def followed_by(user_id: Any) -> Select[Any]:
    """The ids of the users ``user_id`` follows."""
    return select(follows.c.followed_id).where(follows.c.follower_id == user_id)


class ProfileService(SQLAlchemyAsyncRepositoryService[User]):
    """Users as others see them, and who follows whom."""

    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

        async def profile(self, username: str, viewer_id: UUID | None) -> ResultRow | None:
            """``username``, ``bio``, ``image`` and ``following`` (as the viewer sees it) of one user."""
            following = false() if viewer_id is None else is_followed_by(viewer_id)
            statement = select(User.username, User.bio, User.image, following.label("following")).where(
                User.username == username
            )
            result: Result[Any] = await self.session.execute(statement)
            row: ResultRow | None = result.one_or_none()
            return row

    repository_type = Repo

    async def get_profile(self, username: str, viewer: User | None) -> ResultRow:
        """The user called ``username``, with ``following`` filled in for ``viewer``.

        Raises:
            NotFoundError: No user has that name.
        """
        profile: ResultRow | None = await self.repository.profile(username, viewer.id if viewer else None)
        if profile is None:
            msg = f"profile {username!r} not found"
            raise NotFoundError(msg)
        return profile

    async def follow(self, viewer: User, username: str) -> ResultRow:
        """Make ``viewer`` follow ``username``; following twice is harmless.

        Raises:
            NotFoundError: No user has that name.
            InvalidInputError: ``viewer`` tried to follow themselves.
        """
        if username == viewer.username:
            msg = "you cannot follow yourself"
            raise InvalidInputError(msg)
        followed = select(literal(viewer.id, follows.c.follower_id.type), User.id).where(User.username == username)
        statement = dialect_insert(self.repository.session, follows).from_select(
            ["follower_id", "followed_id"], followed
        )
        await self.repository.session.execute(statement.on_conflict_do_nothing())
        return await self.get_profile(username, viewer)

    async def unfollow(self, viewer: User, username: str) -> ResultRow:
        """Make ``viewer`` stop following ``username``; unfollowing twice is harmless.

        Raises:
            NotFoundError: No user has that name.
        """
        followed = select(User.id).where(User.username == username).scalar_subquery()
        await self.repository.session.execute(
            delete(follows).where(follows.c.follower_id == viewer.id, follows.c.followed_id == followed)
        )
        return await self.get_profile(username, viewer)
