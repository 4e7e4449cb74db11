from msgspec import Struct


class TagsResponse(Struct):
    tags: list[str]
