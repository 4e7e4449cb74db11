"""Account pages: signing up, in and out, and one's own settings."""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from conduit.db.models import User
from conduit.lib.auth import signed_in_only
from conduit.lib.exceptions import AuthenticationError, InvalidInputError, TooManyAttemptsError
from conduit.lib.requests import ConduitRequest
from conduit.lib.schema import checked
from conduit.lib.settings import Settings
from conduit.lib.throttling import Throttle, client_address
from conduit.users.deps import Users
from conduit.users.rules import AccountRules
from conduit.users.schemas import LoginUser, NewUser, UpdateUser
from conduit.users.services import UserService
from conduit.web.articles import Form
from conduit.web.browser_sessions import sign_in, sign_out
from conduit.web.feeds import base_url, private_feed_url
from conduit.web.forms import local_path
from conduit.web.rendering import page, refused, see_other


class UserPageController(Controller):
    """Signing up, in and out, and one's own settings."""

    @get("/login")
    async def sign_in_page(
        self,
        settings: NamedDependency[Settings],
        next_path: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template:
        return page("sign_in.html", form={}, errors={}, next=local_path(next_path), account_mail=settings.account_mail)

    @post("/login")
    async def sign_in(
        self,
        request: Request,
        data: Form,
        users_service: Users,
        throttle: NamedDependency[Throttle],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        try:
            credentials = checked(LoginUser, {"email": data.get("email", ""), "password": data.get("password", "")})
            async with throttle.sign_in(client_address(request), credentials.email):
                user = await users_service.authenticate(email=credentials.email, password=credentials.password)
        except (InvalidInputError, TooManyAttemptsError, AuthenticationError) as exc:
            return refused("sign_in.html", data, exc, ["email", "password"], account_mail=settings.account_mail)
        sign_in(request, user)
        return see_other(local_path(data.get("next")))

    @get("/register")
    async def sign_up_page(self) -> Template:
        return page("sign_up.html", form={}, errors={})

    @post("/register")
    async def sign_up(
        self,
        request: Request,
        data: Form,
        users_service: Users,
        throttle: NamedDependency[Throttle],
        account_rules: NamedDependency[AccountRules],
    ) -> Template | Redirect:
        fields = {name: data.get(name, "") for name in ("username", "email", "password")}
        try:
            await throttle.hit(throttle.registrations, client_address(request))
            new = checked(NewUser, fields)
            user = await users_service.register(
                username=new.username,
                email=new.email,
                password=new.password,
                rules=account_rules,
            )
        except (InvalidInputError, TooManyAttemptsError) as exc:
            return refused("sign_up.html", data, exc, list(fields))
        sign_in(request, user)
        return see_other("/")

    @post("/logout")
    async def sign_out(self, request: Request) -> Redirect:
        sign_out(request)
        return see_other("/")

    @post("/settings/sign-out-everywhere", guards=[signed_in_only])
    async def sign_out_everywhere(self, request: ConduitRequest, users_service: Users) -> Redirect:
        """End this and every other browser session of the account, and revoke its API tokens."""
        await users_service.sign_out_everywhere(request.signed_in_viewer)
        sign_out(request)
        return see_other("/login")

    @post("/settings/feed-token", guards=[signed_in_only])
    async def replace_feed_token(self, request: ConduitRequest, users_service: Users) -> Redirect:
        """Give the private feed a new address; the old one answers 404 from now on."""
        await users_service.replace_feed_token(request.signed_in_viewer)
        return see_other("/settings#private-feed")

    @post("/settings/notifications", guards=[signed_in_only])
    async def choose_notifications(self, request: ConduitRequest, data: Form, users_service: Users) -> Redirect:
        """Which notification mails to get (an unchecked box is not sent at all)."""
        follows, comments = data.get("follows") == "on", data.get("comments") == "on"
        await users_service.choose_notifications(request.signed_in_viewer, follows=follows, comments=comments)
        return see_other("/settings#notifications")

    @get("/settings", guards=[signed_in_only])
    async def settings_page(
        self, request: ConduitRequest, users_service: Users, settings: NamedDependency[Settings]
    ) -> Template:
        viewer = request.signed_in_viewer
        form = {
            "image": viewer.image or "",
            "username": viewer.username,
            "bio": viewer.bio or "",
            "email": viewer.email,
        }
        feed_url = await _private_feed(request, viewer, users_service, settings)
        return page(
            "settings.html",
            form=form,
            errors={},
            viewer=viewer,
            private_feed_url=feed_url,
            account_mail=settings.account_mail,
        )

    @post("/settings", guards=[signed_in_only])
    async def save_settings(
        self,
        request: ConduitRequest,
        data: Form,
        users_service: Users,
        settings: NamedDependency[Settings],
        account_rules: NamedDependency[AccountRules],
    ) -> Template | Redirect:
        viewer = request.signed_in_viewer
        fields: dict[str, Any] = {name: data.get(name, "") for name in ("image", "username", "bio", "email")}
        if data.get("password"):
            fields["password"] = data["password"]
        fields["image"] = fields["image"] or None
        try:
            changes = checked(UpdateUser, fields)
            user = await users_service.update_account(viewer, changes, rules=account_rules)
        except InvalidInputError as exc:
            feed_url = await _private_feed(request, viewer, users_service, settings)
            return refused(
                "settings.html",
                data,
                exc,
                list(fields),
                viewer=viewer,
                private_feed_url=feed_url,
                account_mail=settings.account_mail,
            )
        sign_in(request, user)
        return see_other(f"/profile/{user.username}")


async def _private_feed(request: Request, user: User, users_service: UserService, settings: Settings) -> str:
    """The address of ``user``'s private feed (shown on their settings page only)."""
    return private_feed_url(base_url(request), await users_service.private_feed_token(user, settings.secret_key))
