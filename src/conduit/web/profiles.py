"""Profile pages: a person's articles, their favorites, and following them."""

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from conduit.articles.services import ArticleService
from conduit.db.models import User
from conduit.profiles.services import ProfileService
from conduit.web.articles import Form, PageNumber
from conduit.web.rendering import PAGE_SIZE, back, page, paging


class ProfilePageController(Controller):
    """A person's page, listing what they wrote or what they favorited."""

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
        return await _profile_page(
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
        return await _profile_page(
            request, username, viewer, profiles_service, articles_service, page_number, favorites=True
        )

    @post("/follow")
    async def follow(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        data: Form,
        current_user: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> Template | Redirect:
        return _follow_button(request, data, await profiles_service.follow(current_user, username), current_user)

    @post("/unfollow")
    async def unfollow(
        self,
        request: HTMXRequest,
        username: FromPath[str],
        data: Form,
        current_user: NamedDependency[User],
        profiles_service: NamedDependency[ProfileService],
    ) -> Template | Redirect:
        return _follow_button(request, data, await profiles_service.unfollow(current_user, username), current_user)


async def _profile_page(
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


def _follow_button(request: HTMXRequest, data: dict[str, str], profile: User, viewer: User) -> Template | Redirect:
    """The new button for htmx, otherwise back to the page the form was on."""
    if request.htmx:
        return page("partials/follow_button.html", profile=profile, viewer=viewer, next=data.get("next"))
    return back(data, f"/profile/{profile.username}")
