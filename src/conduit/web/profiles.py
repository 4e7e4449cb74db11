"""Profile pages: a person's articles, their favorites, and following them."""

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from conduit.articles.deps import Articles
from conduit.articles.schemas import ArticleSummary
from conduit.lib.auth import signed_in_only
from conduit.lib.requests import ConduitRequest
from conduit.notifications.services import NotificationRules
from conduit.profiles.deps import Profiles
from conduit.profiles.schemas import Profile
from conduit.web.articles import Form
from conduit.web.paging import Page, page_links
from conduit.web.rendering import button_or_back, page


class ProfilePageController(Controller):
    """A person's page, listing what they wrote or what they favorited."""

    path = "/profile/{username:str}"

    @get(["/", "/favorites"])
    async def show(
        self,
        request: ConduitRequest,
        username: FromPath[str],
        profiles_service: Profiles,
        articles_service: Articles,
        page_request: Page,
    ) -> Template:
        """What the person wrote, or at ``/favorites`` what they favorited."""
        favorites = request.scope["path_template"].endswith("/favorites")
        viewer = request.viewer
        profile = Profile.of(await profiles_service.get_profile(username, viewer))
        found = await articles_service.list_articles(
            viewer,
            author=None if favorites else username,
            favorited=username if favorites else None,
            **page_request.query(),
        )
        context: dict[str, Any] = {
            "articles": [ArticleSummary.of(row) for row in found.rows],
            "page_links": page_links(request, page_request, found),
            "viewer": viewer,
        }
        if request.htmx and request.htmx.target == "article-list":
            return page("partials/article_list.html", **context)
        return page("profile.html", profile=profile, favorites=favorites, **context)

    @post(["/follow", "/unfollow"], guards=[signed_in_only])
    async def follow(
        self,
        request: ConduitRequest,
        username: FromPath[str],
        data: Form,
        profiles_service: Profiles,
        notifications: NamedDependency[NotificationRules],
    ) -> Template | Redirect:
        """Follow (or at ``/unfollow``, stop following); with htmx, only the button is sent back."""
        undo = request.scope["path_template"].endswith("/unfollow")
        viewer = request.signed_in_viewer
        profile = Profile.of(await profiles_service.follow(viewer, username, undo=undo, notify=notifications))
        button = {"profile": profile, "viewer": request.signed_in_viewer}
        return button_or_back(request, data, "partials/follow_button.html", f"/profile/{profile.username}", **button)
