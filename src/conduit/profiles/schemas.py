"""The profile as the API shows it."""

from msgspec import Struct

from conduit.db.statements import ResultRow


class Profile(Struct):
    username: str
    bio: str | None
    image: str | None
    following: bool

    @classmethod
    def of(cls, row: ResultRow) -> "Profile":
        """A profile row: ``username``, ``bio``, ``image``, ``following``."""
        return cls(username=row.username, bio=row.bio, image=row.image, following=bool(row.following))

    @classmethod
    def of_author(cls, row: ResultRow) -> "Profile":
        """The author of an article or comment row (its ``author_*`` columns)."""
        return cls(
            username=row.author_username,
            bio=row.author_bio,
            image=row.author_image,
            following=bool(row.author_following),
        )


class ProfileResponse(Struct):
    profile: Profile
