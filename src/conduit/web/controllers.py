"""The server-rendered Conduit: every RealWorld screen, over the same services as the API.

Each action is an HTML form that works as a full page (POST, then redirect); with htmx
loaded, favorite, follow, comments and pagination update in place instead.
"""

import math
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY
from litestar_htmx import HTMXRequest
from msgspec import structs

from conduit.articles.schemas import NewArticle, UpdateArticle
from conduit.articles.services import ArticleService
from conduit.comments.schemas import NewComment
from conduit.comments.services import CommentService
from conduit.db.models import Article, User
from conduit.lib.exceptions import AuthenticationError, InvalidInputError
from conduit.lib.schema import checked
from conduit.profiles.services import ProfileService
from conduit.tags.services import TagService
from conduit.users.schemas import LoginUser, NewUser, UpdateUser
from conduit.users.services import UserService
from conduit.web.deps import sign_in
from conduit.web.forms import errors_by_field, local_path
from conduit.web.markdown import render_markdown

PAGE_SIZE = 10
POPULAR_TAGS = 20
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=100_000)]


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


def paging(total: int, current: int) -> dict[str, Any]:
    return {"page": current, "pages": max(math.ceil(total / PAGE_SIZE), 1), "total": total}


def back(form: dict[str, str], default: str) -> Redirect:
    """Back to the page the form was posted from (its ``next`` field), or to ``default``."""
    return see_other(local_path(form.get("next"), default))


class HomeController(Controller):
    """The home page: global feed, your feed, tag filter, popular tags."""

    include_in_schema = False

    @get("/", name="home")
    async def home(
        self,
        request: HTMXRequest,
        viewer: NamedDependency[User | None],
        articles_service: NamedDependency[ArticleService],
        tags_service: NamedDependency[TagService],
        feed: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
        page_number: PageNumber = 1,
    ) -> Template:
        offset = (page_number - 1) * PAGE_SIZE
        if feed == "you" and viewer is not None:
            articles, total = await articles_service.feed_for(viewer, limit=PAGE_SIZE, offset=offset)
        else:
            feed = None
            articles, total = await articles_service.list_articles(viewer, tag=tag, limit=PAGE_SIZE, offset=offset)
        context = {"articles": articles, **paging(total, page_number), "feed": feed, "tag": tag, "viewer": viewer}
        if request.htmx and request.htmx.target == "article-list":
            return page("partials/article_list.html", **context)
        return page("home.html", popular_tags=await tags_service.popular(POPULAR_TAGS), **context)


class AccountController(Controller):
    """Signing up, in and out, and one's own settings."""

    include_in_schema = False

    @get("/login")
    async def sign_in_page(self, next_path: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
        return page("sign_in.html", form={}, errors={}, next=local_path(next_path))

    @post("/login")
    async def sign_in(
        self, request: Request, data: Form, users_service: NamedDependency[UserService]
    ) -> Template | Redirect:
        try:
            credentials = checked(LoginUser, {"email": data.get("email", ""), "password": data.get("password", "")})
            user = await users_service.authenticate(email=credentials.email, password=credentials.password)
        except InvalidInputError as exc:
            return self._refused("sign_in.html", data, errors_by_field(exc, ["email", "password"]))
        except AuthenticationError as exc:
            return self._refused("sign_in.html", data, {"": exc.messages})
        sign_in(request, user)
        return see_other(local_path(data.get("next")))

    @get("/register")
    async def sign_up_page(self) -> Template:
        return page("sign_up.html", form={}, errors={})

    @post("/register")
    async def sign_up(
        self, request: Request, data: Form, users_service: NamedDependency[UserService]
    ) -> Template | Redirect:
        fields = {name: data.get(name, "") for name in ("username", "email", "password")}
        try:
            new = checked(NewUser, fields)
            user = await users_service.register(username=new.username, email=new.email, password=new.password)
        except InvalidInputError as exc:
            return self._refused("sign_up.html", data, errors_by_field(exc, list(fields)))
        sign_in(request, user)
        return see_other("/")

    @post("/logout")
    async def sign_out(self, request: Request) -> Redirect:
        request.clear_session()
        return see_other("/")

    @get("/settings")
    async def settings_page(self, member: NamedDependency[User]) -> Template:
        form = {
            "image": member.image or "",
            "username": member.username,
            "bio": member.bio or "",
            "email": member.email,
        }
        return page("settings.html", form=form, errors={}, viewer=member)

    @post("/settings")
    async def save_settings(
        self, request: Request, data: Form, member: NamedDependency[User], users_service: NamedDependency[UserService]
    ) -> Template | Redirect:
        fields: dict[str, Any] = {name: data.get(name, "") for name in ("image", "username", "bio", "email")}
        if data.get("password"):
            fields["password"] = data["password"]
        fields["image"] = fields["image"] or None
        try:
            changes = checked(UpdateUser, fields)
            user = await users_service.update_account(member, structs.asdict(changes))
        except InvalidInputError as exc:
            return self._refused("settings.html", data, errors_by_field(exc, list(fields)), viewer=member)
        sign_in(request, user)
        return see_other(f"/profile/{user.username}")

    @staticmethod
    def _refused(template: str, data: dict[str, str], errors: dict[str, list[str]], **context: Any) -> Template:
        form = {name: value for name, value in data.items() if name != "password"}
        return page(template, HTTP_422_UNPROCESSABLE_ENTITY, form=form, errors=errors, next=data.get("next"), **context)


class EditorController(Controller):
    """Writing and editing articles."""

    include_in_schema = False

    @get("/editor")
    async def new_article_page(self, member: NamedDependency[User]) -> Template:
        return page("editor.html", form={}, errors={}, viewer=member, slug=None)

    @post("/editor")
    async def publish(
        self, data: Form, member: NamedDependency[User], articles_service: NamedDependency[ArticleService]
    ) -> Template | Redirect:
        try:
            new = checked(NewArticle, {**_article_fields(data), "tagList": _tags(data.get("tags", ""))})
        except InvalidInputError as exc:
            errors = errors_by_field(exc, list(data))
            return page(
                "editor.html", HTTP_422_UNPROCESSABLE_ENTITY, form=data, errors=errors, viewer=member, slug=None
            )
        article = await articles_service.write(
            member, title=new.title, description=new.description, body=new.body, tags=new.tag_list
        )
        return see_other(f"/article/{article.slug}")

    @get("/editor/{slug:str}")
    async def edit_article_page(
        self, slug: FromPath[str], member: NamedDependency[User], articles_service: NamedDependency[ArticleService]
    ) -> Template:
        article = await articles_service.owned_by(slug, member, "edit")
        form = {
            "title": article.title,
            "description": article.description,
            "body": article.body,
            "tags": " ".join(tag.name for tag in article.tags),
        }
        return page("editor.html", form=form, errors={}, viewer=member, slug=slug)

    @post("/editor/{slug:str}")
    async def save_article(
        self,
        slug: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> Template | Redirect:
        try:
            changes = checked(UpdateArticle, {**_article_fields(data), "tagList": _tags(data.get("tags", ""))})
        except InvalidInputError as exc:
            errors = errors_by_field(exc, list(data))
            return page(
                "editor.html", HTTP_422_UNPROCESSABLE_ENTITY, form=data, errors=errors, viewer=member, slug=slug
            )
        article = await articles_service.revise(slug, member, structs.asdict(changes))
        return see_other(f"/article/{article.slug}")


def _article_fields(data: dict[str, str]) -> dict[str, str]:
    return {name: data.get(name, "") for name in ("title", "description", "body")}


def _tags(text: str) -> list[str]:
    return [tag for tag in text.replace(",", " ").split() if tag]


class ArticlePageController(Controller):
    """Reading an article, favoriting it, following its author, and its comments."""

    include_in_schema = False

    path = "/article/{slug:str}"

    @get()
    async def article_page(
        self,
        slug: FromPath[str],
        viewer: NamedDependency[User | None],
        articles_service: NamedDependency[ArticleService],
        comments_service: NamedDependency[CommentService],
    ) -> Template:
        return await self._page(slug, viewer, articles_service, comments_service)

    async def _page(
        self,
        slug: str,
        viewer: User | None,
        articles_service: ArticleService,
        comments_service: CommentService,
        status_code: int = 200,
        comment_errors: dict[str, list[str]] | None = None,
        comment_text: str = "",
    ) -> Template:
        article = await articles_service.get_by_slug(slug, viewer)
        return page(
            "article.html",
            status_code,
            article=article,
            body_html=render_markdown(article.body),
            comments=await comments_service.on_article(slug, viewer),
            viewer=viewer,
            errors=comment_errors or {},
            comment_text=comment_text,
        )

    @post("/favorite")
    async def favorite(
        self,
        request: HTMXRequest,
        slug: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> Template | Redirect:
        article = await articles_service.favorite(slug, member)
        return self._favorite_button(request, data, article, member)

    @post("/unfavorite")
    async def unfavorite(
        self,
        request: HTMXRequest,
        slug: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> Template | Redirect:
        article = await articles_service.unfavorite(slug, member)
        return self._favorite_button(request, data, article, member)

    @staticmethod
    def _favorite_button(
        request: HTMXRequest, data: dict[str, str], article: Article, member: User
    ) -> Template | Redirect:
        if request.htmx:
            compact = data.get("compact") == "1"
            return page(
                "partials/favorite_button.html", article=article, viewer=member, compact=compact, next=data.get("next")
            )
        return back(data, f"/article/{article.slug}")

    @post("/delete")
    async def delete_article(
        self, slug: FromPath[str], member: NamedDependency[User], articles_service: NamedDependency[ArticleService]
    ) -> Redirect:
        await articles_service.remove(slug, member)
        return see_other("/")

    @post("/comments")
    async def add_comment(
        self,
        request: HTMXRequest,
        slug: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
        comments_service: NamedDependency[CommentService],
    ) -> Template | Redirect | Response[str]:
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
                    viewer=member,
                )
            return await self._page(
                slug, member, articles_service, comments_service, HTTP_422_UNPROCESSABLE_ENTITY, errors
            )
        comment = await comments_service.add(slug, member, new.body)
        if request.htmx:
            return page(
                "partials/comment_added.html", slug=slug, comment=comment, viewer=member, errors={}, comment_text=""
            )
        return see_other(f"/article/{slug}#comment-{comment.id}")

    @post("/comments/{comment_id:int}/delete")
    async def delete_comment(
        self,
        request: HTMXRequest,
        slug: FromPath[str],
        comment_id: FromPath[int],
        member: NamedDependency[User],
        comments_service: NamedDependency[CommentService],
    ) -> Redirect | Response[str]:
        await comments_service.remove(slug, comment_id, member)
        if request.htmx:
            return Response("", status_code=200, media_type="text/html")
        return see_other(f"/article/{slug}#comments")


class ProfilePageController(Controller):
    """A person's page: their articles, their favorites, and following them."""

    include_in_schema = False

    path = "/profile/{username:str}"

    @get()
    async def articles_by(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        viewer: NamedDependency[User | None],
        profiles_service: NamedDependency[ProfileService],
        articles_service: NamedDependency[ArticleService],
        page_number: PageNumber = 1,
    ) -> Template:
        return await self._page(
            request, username, viewer, profiles_service, articles_service, page_number, favorites=False
        )

    @get("/favorites")
    async def favorites_of(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        viewer: NamedDependency[User | None],
        profiles_service: NamedDependency[ProfileService],
        articles_service: NamedDependency[ArticleService],
        page_number: PageNumber = 1,
    ) -> Template:
        return await self._page(
            request, username, viewer, profiles_service, articles_service, page_number, favorites=True
        )

    @staticmethod
    async def _page(
        request: HTMXRequest,
        username: str,
        viewer: User | None,
        profiles_service: ProfileService,
        articles_service: ArticleService,
        page_number: int,
        *,
        favorites: bool,
    ) -> Template:
        profile = await profiles_service.get_profile(username, viewer)
        articles, total = await articles_service.list_articles(
            viewer,
            author=None if favorites else username,
            favorited=username if favorites else None,
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
        context = {"articles": articles, **paging(total, page_number), "viewer": viewer}
        if request.htmx and request.htmx.target == "article-list":
            return page("partials/article_list.html", **context)
        return page("profile.html", profile=profile, favorites=favorites, **context)

    @post("/follow")
    async def follow(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> Template | Redirect:
        return self._follow_button(request, data, await profiles_service.follow(member, username), member)

    @post("/unfollow")
    async def unfollow(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        data: Form,
        member: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> Template | Redirect:
        return self._follow_button(request, data, await profiles_service.unfollow(member, username), member)

    @staticmethod
    def _follow_button(request: HTMXRequest, data: dict[str, str], profile: User, member: User) -> Template | Redirect:
        """The new button for htmx, otherwise back to the page the form was on."""
        if request.htmx:
            return page("partials/follow_button.html", profile=profile, viewer=member, next=data.get("next"))
        return back(data, f"/profile/{profile.username}")
