"""Profiles: users as others see them, and who follows whom."""

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, delete, exists, false
from sqlalchemy.orm import with_expression

from conduit.db.models import User, follows
from conduit.db.statements import insert_ignoring_duplicates
from conduit.lib.exceptions import InvalidInputError, NotFoundError


def is_followed_by(viewer: User | None) -> ColumnElement[bool]:
    """SQL telling whether ``viewer`` follows the ``User`` row at hand (false for anonymous viewers)."""
    if viewer is None:
        return false()
    return exists().where(follows.c.follower_id == viewer.id, follows.c.followed_id == User.id)


class ProfileService(SQLAlchemyAsyncRepositoryService[User]):
    """Users as others see them, and who follows whom."""

    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

    repository_type = Repo

    async def get_profile(self, username: str, viewer: User | None) -> User:
        """The user called ``username``, with ``following`` filled in for ``viewer``.

        Raises:
            NotFoundError: No user has that name.
        """
        profile = await self.get_one_or_none(
            User.username == username,
            load=[with_expression(User.following, is_followed_by(viewer))],
            execution_options={"populate_existing": True},
        )
        if profile is None:
            msg = f"profile {username!r} not found"
            raise NotFoundError(msg)
        return profile

    async def follow(self, viewer: User, username: str) -> User:
        """Make ``viewer`` follow ``username``; following twice is harmless.

        Raises:
            NotFoundError: No user has that name.
            InvalidInputError: ``viewer`` tried to follow themselves.
        """
        target = await self.get_profile(username, viewer)
        if target.id == viewer.id:
            msg = "you cannot follow yourself"
            raise InvalidInputError(msg)
        await insert_ignoring_duplicates(
            self.repository.session, follows, [{"follower_id": viewer.id, "followed_id": target.id}]
        )
        return await self.get_profile(username, viewer)

    async def unfollow(self, viewer: User, username: str) -> User:
        """Make ``viewer`` stop following ``username``; unfollowing twice is harmless.

        Raises:
            NotFoundError: No user has that name.
        """
        target = await self.get_profile(username, viewer)
        await self._delete_follow(viewer.id, target.id)
        return await self.get_profile(username, viewer)

    async def _delete_follow(self, follower_id: UUID, followed_id: UUID) -> None:
        await self.repository.session.execute(
            delete(follows).where(follows.c.follower_id == follower_id, follows.c.followed_id == followed_id)
        )
