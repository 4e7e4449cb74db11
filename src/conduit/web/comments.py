"""Comment actions on the article page: adding one, deleting one's own."""

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from conduit.articles.deps import Articles
from conduit.comments.deps import Comments
from conduit.comments.schemas import CommentView, NewComment
from conduit.lib.auth import signed_in_only
from conduit.lib.exceptions import InvalidInputError
from conduit.lib.requests import ConduitRequest
from conduit.lib.schema import checked
from conduit.notifications.services import NotificationRules
from conduit.web.articles import Form, article_page
from conduit.web.forms import errors_by_field
from conduit.web.rendering import page, see_other


class CommentPageController(Controller):
    """Comments under an article page; with htmx, the list updates in place."""

    path = "/article/{slug:str}/comments"
    guards = [signed_in_only]

    @post()
    async def add(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        data: Form,
        articles_service: Articles,
        comments_service: Comments,
        notifications: NamedDependency[NotificationRules],
    ) -> Template | Redirect:
        viewer = request.signed_in_viewer
        try:
            new = checked(NewComment, {"body": data.get("body", "")})
        except InvalidInputError as exc:
            errors = errors_by_field(exc, ["body"])
            if request.htmx:
                return page(
                    "partials/comment_form.html",
                    HTTP_422_UNPROCESSABLE_ENTITY,
                    slug=slug,
                    errors=errors,
                    comment_text="",
                    viewer=viewer,
                )
            return await article_page(
                slug, viewer, articles_service, comments_service, HTTP_422_UNPROCESSABLE_ENTITY, errors
            )
        comment = CommentView.new(await comments_service.add(slug, viewer, new.body, notifications), new.body, viewer)
        if request.htmx:
            return page(
                "partials/comment_added.html",
                slug=slug,
                comment=comment,
                viewer=viewer,
                errors={},
                comment_text="",
            )
        return see_other(f"/article/{slug}#comment-{comment.id}")

    @post("/{comment_id:int}/delete")
    async def delete(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        comment_id: FromPath[int],
        comments_service: Comments,
    ) -> Redirect | Response[str]:
        await comments_service.remove(slug, comment_id, request.signed_in_viewer)
        if request.htmx:
            return Response("", status_code=HTTP_200_OK, media_type="text/html")
        return see_other(f"/article/{slug}#comments")
