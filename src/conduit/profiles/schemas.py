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
        return cls(username=row["username"], bio=row["bio"], image=row["image"], following=bool(row["following"]))

    @classmethod
    def of_author(cls, row: ResultRow) -> "Profile":
        """The author of an article or comment row (its ``author_*`` columns)."""
        return cls(row["author_username"], row["author_bio"], row["author_image"], row["author_following"])


class ProfileResponse(Struct):
    profile: Profile
