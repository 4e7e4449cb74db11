"""Account payloads of the API: registration, sign-in, updates, and the account with its token."""

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from conduit.db.models import User
from conduit.lib.passwords import MIN_PASSWORD_LENGTH
from conduit.lib.validation import explained_pattern

Username = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")]
Email = Annotated[str, Meta(min_length=1, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
PASSWORD_FORMAT = {"extra": {"format": "password"}}
Password = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=256,
        extra_json_schema={"extra": {"format": "password", "minLength": MIN_PASSWORD_LENGTH}},
    ),
]
"""Empty, a password ``can't be blank``; shorter than ``MIN_PASSWORD_LENGTH``, the password rule refuses it."""
Bio = Annotated[str, Meta(max_length=10_000)]
IMAGE_URL_PATTERN = r"^([Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+\S*)?$"
ImageUrl = Annotated[
    str,
    explained_pattern(
        IMAGE_URL_PATTERN,
        "must be an http or https URL",
        max_length=2048,
        description="An absolute http or https URL (at most 2048 characters); empty or null for no picture.",
    ),
]
"""An http or https address, never ``javascript:`` or ``data:``; empty means no picture, as null does."""


class NewUser(Struct):
    username: Username
    email: Email
    password: Password


class NewUserRequest(Struct):
    user: NewUser


class LoginUser(Struct):
    email: Annotated[str, Meta(min_length=1, max_length=254)]
    password: Annotated[str, Meta(min_length=1, max_length=256, extra_json_schema=PASSWORD_FORMAT)]


class LoginUserRequest(Struct):
    user: LoginUser


class UpdateUser(Struct):
    """Fields left out stay as they are; ``bio`` and ``image`` may be cleared with null."""

    email: Email | UnsetType = UNSET
    username: Username | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    bio: Bio | UnsetType | None = UNSET
    image: ImageUrl | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if all(getattr(self, name) is UNSET for name in self.__struct_fields__):
            msg = "must contain at least one field to change"
            raise ValueError(msg)


class UpdateUserRequest(Struct):
    user: UpdateUser


class UserAccount(Struct):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(Struct):
    user: UserAccount

    @classmethod
    def build(cls, user: User, token: str) -> "UserResponse":
        return cls(
            user=UserAccount(email=user.email, token=token, username=user.username, bio=user.bio, image=user.image)
        )
