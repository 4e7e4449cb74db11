"""The tags list as the API shows it."""

from msgspec import Struct


class TagsResponse(Struct):
    tags: list[str]
