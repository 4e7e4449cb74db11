"""Article pages: the home page with its feeds, reading an article, favoriting it, and the editor."""

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from conduit.articles.deps import Articles
from conduit.articles.schemas import ArticleDetail, ArticleSummary, NewArticle, UpdateArticle
from conduit.articles.services import ArticleService
from conduit.comments.deps import Comments
from conduit.comments.schemas import CommentView
from conduit.comments.services import CommentService
from conduit.db.models import User
from conduit.lib.auth import signed_in_only
from conduit.lib.exceptions import InvalidInputError
from conduit.lib.requests import ConduitRequest
from conduit.lib.schema import checked
from conduit.tags.deps import Tags
from conduit.tags.services import POPULAR_TAGS
from conduit.users.rules import AccountRules
from conduit.web.forms import errors_by_field
from conduit.web.markdown import render_markdown
from conduit.web.paging import Page, page_links
from conduit.web.rendering import button_or_back, page, see_other

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PREVIEW = "preview"
"""The editor's ``action`` that renders the article instead of saving it."""


class HomeController(Controller):
    """The home page: global feed, your feed, tag filter, popular tags."""

    @get("/", name="home")
    async def home(
        self,
        request: ConduitRequest,
        articles_service: Articles,
        tags_service: Tags,
        page_request: Page,
        feed: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
    ) -> Template:
        viewer = request.viewer
        if feed == "you" and viewer is not None:
            found = await articles_service.feed_for(viewer, **page_request.query())
        else:
            feed = None
            found = await articles_service.list_articles(viewer, tag=tag, **page_request.query())
        context: dict[str, Any] = {
            "articles": [ArticleSummary.of(row) for row in found.rows],
            "page_links": page_links(request, page_request, found),
            "feed": feed,
            "tag": tag,
            "viewer": viewer,
        }
        if request.htmx and request.htmx.target == "article-list":
            return page("partials/article_list.html", **context)
        return page("home.html", popular_tags=await tags_service.popular(POPULAR_TAGS), **context)


async def article_page(
    slug: str,
    viewer: User | None,
    articles_service: ArticleService,
    comments_service: CommentService,
    status_code: int = HTTP_200_OK,
    comment_errors: dict[str, list[str]] | None = None,
) -> Template:
    """The article at ``slug`` with its comments, as ``viewer`` sees it (and the comment form's errors)."""
    article = ArticleDetail.of(await articles_service.get_by_slug(slug, viewer))
    return page(
        "article.html",
        status_code,
        article=article,
        body_html=render_markdown(article.body),
        comments=[CommentView.of(row) for row in await comments_service.on_article(slug, viewer)],
        viewer=viewer,
        errors=comment_errors or {},
        comment_text="",
    )


class ArticlePageController(Controller):
    """Reading an article, favoriting it, and deleting one's own."""

    path = "/article/{slug:str}"

    @get()
    async def show(
        self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles, comments_service: Comments
    ) -> Template:
        return await article_page(slug, request.viewer, articles_service, comments_service)

    @post(["/favorite", "/unfavorite"], guards=[signed_in_only])
    async def favorite(
        self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles
    ) -> Template | Redirect:
        """Favorite (or at ``/unfavorite``, unfavorite); with htmx, only the button is sent back."""
        undo = request.scope["path_template"].endswith("/unfavorite")
        article = ArticleDetail.of(await articles_service.favorite(slug, request.signed_in_viewer, undo=undo))
        form = dict(await request.form())
        compact = form.get("compact") == "1"
        button = {"article": article, "viewer": request.signed_in_viewer, "compact": compact}
        return button_or_back(request, form, "partials/favorite_button.html", f"/article/{article.slug}", **button)

    @post("/delete", guards=[signed_in_only])
    async def delete(self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles) -> Redirect:
        await articles_service.remove(slug, request.signed_in_viewer)
        return see_other("/")


class EditorController(Controller):
    """Writing and editing articles."""

    path = "/editor"
    guards = [signed_in_only]

    @get()
    async def new_article(self, request: ConduitRequest) -> Template:
        return page("editor.html", form={}, errors={}, viewer=request.signed_in_viewer, slug=None)

    @post()
    async def publish(
        self,
        request: ConduitRequest,
        data: Form,
        articles_service: Articles,
        account_rules: NamedDependency[AccountRules],
    ) -> Template | Redirect:
        """Publish the article, or with the ``preview`` action, show how it will read without saving it."""
        viewer = request.signed_in_viewer
        if data.get("action") == PREVIEW:
            return _preview(request, data, viewer, slug=None)
        try:
            new = checked(NewArticle, _article_fields(data))
        except InvalidInputError as exc:
            return _editor_refused(data, exc, viewer, slug=None)
        article = await articles_service.write(
            viewer, title=new.title, description=new.description, body=new.body, tags=new.tag_list, rules=account_rules
        )
        return see_other(f"/article/{article['slug']}")

    @get("/{slug:str}")
    async def edit_article(self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles) -> Template:
        viewer = request.signed_in_viewer
        await articles_service.owned_by(slug, viewer)
        article = await articles_service.get_by_slug(slug, viewer)
        form = {
            "title": article["title"],
            "description": article["description"],
            "body": article["body"],
            "tags": " ".join(article["tag_list"]),
        }
        return page("editor.html", form=form, errors={}, viewer=viewer, slug=slug)

    @post("/{slug:str}")
    async def save(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        data: Form,
        articles_service: Articles,
    ) -> Template | Redirect:
        """Save the changes, or with the ``preview`` action, show how the article will read without saving it."""
        viewer = request.signed_in_viewer
        if data.get("action") == PREVIEW:
            await articles_service.owned_by(slug, viewer)
            return _preview(request, data, viewer, slug=slug)
        try:
            changes = checked(UpdateArticle, _article_fields(data))
        except InvalidInputError as exc:
            return _editor_refused(data, exc, viewer, slug=slug)
        article = await articles_service.revise(slug, viewer, changes)
        return see_other(f"/article/{article['slug']}")


def _article_fields(data: dict[str, str]) -> dict[str, object]:
    """The editor's fields as the API names them; tags are typed separated by spaces or commas."""
    fields: dict[str, object] = {name: data.get(name, "") for name in ("title", "description", "body")}
    fields["tagList"] = data.get("tags", "").replace(",", " ").split()
    return fields


def _preview(request: ConduitRequest, data: dict[str, str], viewer: User, slug: str | None) -> Template:
    """The body rendered as the article page will render it: with htmx the preview alone, else the editor again
    with the fields as typed and the preview below them."""
    preview_html = render_markdown(data.get("body", ""))
    if request.htmx:
        return page("partials/editor_preview.html", preview_html=preview_html)
    return page("editor.html", form=data, errors={}, viewer=viewer, slug=slug, preview_html=preview_html)


def _editor_refused(data: dict[str, str], error: InvalidInputError, viewer: User, slug: str | None) -> Template:
    errors = errors_by_field(error, list(data))
    return page("editor.html", HTTP_422_UNPROCESSABLE_ENTITY, form=data, errors=errors, viewer=viewer, slug=slug)
