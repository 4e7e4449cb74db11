"""The profiles API: reading profiles and following."""

from litestar import Controller, get, route
from litestar.di import NamedDependency
from litestar.params import FromPath

from conduit.lib.openapi import error_responses, switch
from conduit.lib.requests import ConduitRequest
from conduit.notifications.services import NotificationRules
from conduit.profiles.deps import Profiles
from conduit.profiles.schemas import Profile, ProfileResponse


class ProfileController(Controller):
    """Public profiles and following."""

    path = "/profiles/{username:str}"
    tags = ["Profile"]

    @get(operation_id="GetProfileByUsername", cache=True, responses=error_responses(404))
    async def get_profile(
        self, request: ConduitRequest, username: FromPath[str], profiles_service: Profiles
    ) -> ProfileResponse:
        """A user's public profile."""
        return ProfileResponse(profile=Profile.of(await profiles_service.get_profile(username, request.viewer)))

    @route("/follow", **switch("FollowUserByUsername", "UnfollowUserByUsername"))
    async def follow(
        self,
        request: ConduitRequest,
        username: FromPath[str],
        profiles_service: Profiles,
        notifications: NamedDependency[NotificationRules],
    ) -> ProfileResponse:
        """Follow a user (POST), or stop following them (DELETE)."""
        undo = request.method == "DELETE"
        profile = await profiles_service.follow(request.signed_in_viewer, username, undo=undo, notify=notifications)
        return ProfileResponse(profile=Profile.of(profile))
