"""The profiles API: reading profiles and following."""

from litestar import Controller, Request, get, route
from litestar.params import FromPath

from conduit.lib.auth import CurrentUser, Viewer
from conduit.lib.openapi import error_responses, switch
from conduit.profiles.deps import Profiles
from conduit.profiles.schemas import Profile, ProfileResponse


class ProfileController(Controller):
    """Public profiles and following."""

    path = "/profiles/{username:str}"
    tags = ["Profile"]

    @get(operation_id="GetProfileByUsername", responses=error_responses(404))
    async def get_profile(self, username: FromPath[str], viewer: Viewer, profiles_service: Profiles) -> ProfileResponse:
        """A user's public profile."""
        return ProfileResponse(profile=Profile.of(await profiles_service.get_profile(username, viewer)))

    @route("/follow", **switch("FollowUserByUsername", "UnfollowUserByUsername"))
    async def follow(
        self, request: Request, username: FromPath[str], current_user: CurrentUser, profiles_service: Profiles
    ) -> ProfileResponse:
        """Follow a user (POST), or stop following them (DELETE)."""
        profile = await profiles_service.follow(current_user, username, undo=request.method == "DELETE")
        return ProfileResponse(profile=Profile.of(profile))
