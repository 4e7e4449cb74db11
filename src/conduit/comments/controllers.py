"""The comments API."""

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from conduit.comments.deps import Comments
from conduit.comments.schemas import CommentResponse, CommentsResponse, CommentView, NewCommentRequest
from conduit.lib.openapi import error_responses, signed_in
from conduit.lib.requests import ConduitRequest
from conduit.notifications.services import NotificationRules


class CommentController(Controller):
    """Comments under an article."""

    path = "/articles/{slug:str}/comments"
    tags = ["Comments"]

    @get(operation_id="GetArticleComments", cache=True, responses=error_responses(404))
    async def list_comments(
        self, request: ConduitRequest, slug: FromPath[str], comments_service: Comments
    ) -> CommentsResponse:
        """Every comment on the article, oldest first."""
        comments = await comments_service.on_article(slug, request.viewer)
        return CommentsResponse(comments=[CommentView.of(comment) for comment in comments])

    @post(status_code=HTTP_201_CREATED, operation_id="CreateArticleComment", **signed_in(404, 413))
    async def add_comment(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        data: JSONBody[NewCommentRequest],
        comments_service: Comments,
        notifications: NamedDependency[NotificationRules],
    ) -> CommentResponse:
        """Comment on the article."""
        viewer = request.signed_in_viewer
        row = await comments_service.add(slug, viewer, data.comment.body, notifications)
        return CommentResponse(comment=CommentView.new(row, data.comment.body, viewer))

    @delete("/{id:int}", operation_id="DeleteArticleComment", **signed_in(403, 404))
    async def delete_comment(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        id: FromPath[int],  # noqa: A002  # the spec's name for the path parameter
        comments_service: Comments,
    ) -> None:
        """Delete one of your comments."""
        await comments_service.remove(slug, id, request.signed_in_viewer)
