"""The profile as the API shows it."""

from msgspec import Struct

from conduit.db.models import User


class Profile(Struct):
    username: str
    bio: str | None
    image: str | None
    following: bool

    @classmethod
    def of(cls, user: User) -> "Profile":
        return cls(username=user.username, bio=user.bio, image=user.image, following=bool(user.following))


class ProfileResponse(Struct):
    profile: Profile
