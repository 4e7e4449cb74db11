"""The tags API."""

from litestar import Controller, get

from conduit.lib.openapi import error_responses
from conduit.tags.deps import Tags
from conduit.tags.schemas import TagsResponse
from conduit.tags.services import POPULAR_TAGS


class TagController(Controller):
    """The tags in use."""

    path = "/tags"
    tags = ["Tags"]

    @get(operation_id="GetTags", cache=True, responses=error_responses())
    async def list_tags(self, tags_service: Tags) -> TagsResponse:
        """The most used tags, most popular first."""
        return TagsResponse(tags=await tags_service.popular(POPULAR_TAGS))
