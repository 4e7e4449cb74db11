"""The profiles API: reading profiles and following."""

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from conduit.db.models import User
from conduit.lib.openapi import error_responses
from conduit.profiles.schemas import Profile, ProfileResponse
from conduit.profiles.services import ProfileService


class ProfileController(Controller):
    """Public profiles and following."""

    path = "/profiles/{username:str}"
    tags = ["Profile"]

    @get(operation_id="GetProfileByUsername", responses=error_responses(404))
    async def get_profile(
        self,
        username: FromPath[str],
        viewer: NamedDependency[User | None],
        profiles_service: NamedDependency[ProfileService],
    ) -> ProfileResponse:
        """A user's public profile."""
        return ProfileResponse(profile=Profile.of(await profiles_service.get_profile(username, viewer)))

    @post(
        "/follow",
        status_code=HTTP_200_OK,
        operation_id="FollowUserByUsername",
        security=[{"Token": []}],
        responses=error_responses(404),
    )
    async def follow(
        self,
        username: FromPath[str],
        current_user: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> ProfileResponse:
        """Follow a user."""
        return ProfileResponse(profile=Profile.of(await profiles_service.follow(current_user, username)))

    @delete(
        "/follow",
        status_code=HTTP_200_OK,
        operation_id="UnfollowUserByUsername",
        security=[{"Token": []}],
        responses=error_responses(404),
    )
    async def unfollow(
        self,
        username: FromPath[str],
        current_user: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> ProfileResponse:
        """Stop following a user."""
        return ProfileResponse(profile=Profile.of(await profiles_service.follow(current_user, username, undo=True)))
