from litestar import Controller, delete, get, post
from litestar.status_codes import HTTP_200_OK

from conduit.db.models import User
from conduit.profiles.schemas import Profile, ProfileResponse
from conduit.profiles.services import ProfileService


class ProfileController(Controller):
    """Public profiles and following."""

    path = "/api/profiles/{username:str}"
    tags = ["Profile"]

    @get(operation_id="GetProfileByUsername")
    async def get_profile(
        self, username: str, optional_user: User | None, profiles_service: ProfileService
    ) -> ProfileResponse:
        """A user's public profile."""
        return ProfileResponse(profile=Profile.of(await profiles_service.get_profile(username, optional_user)))

    @post("/follow", status_code=HTTP_200_OK, operation_id="FollowUserByUsername", security=[{"Token": []}])
    async def follow(self, username: str, current_user: User, profiles_service: ProfileService) -> ProfileResponse:
        """Follow a user."""
        return ProfileResponse(profile=Profile.of(await profiles_service.follow(current_user, username)))

    @delete(
        "/follow", status_code=HTTP_200_OK, operation_id="UnfollowUserByUsername", security=[{"Token": []}]
    )
    async def unfollow(self, username: str, current_user: User, profiles_service: ProfileService) -> ProfileResponse:
        """Stop following a user."""
        return ProfileResponse(profile=Profile.of(await profiles_service.unfollow(current_user, username)))
