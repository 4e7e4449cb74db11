"""Account mail pages: asking for a reset link, setting a new password with it, confirming an address."""

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from conduit.accounts.deps import AccountTokens
from conduit.accounts.schemas import PasswordReset, PasswordResetAsk
from conduit.lib.exceptions import InvalidInputError, TooManyAttemptsError
from conduit.lib.schema import checked
from conduit.lib.settings import Settings
from conduit.lib.throttling import Throttle, client_address
from conduit.users.deps import Users
from conduit.users.rules import AccountRules
from conduit.web.articles import Form
from conduit.web.browser_sessions import sign_in
from conduit.web.rendering import page, refused, see_other

Token = Annotated[str, QueryParameter(name="token", max_length=256)]


class AccountMailPageController(Controller):
    """Forgotten passwords and address confirmations, by the links Conduit mails."""

    @get("/forgot-password")
    async def forgot_password_page(self) -> Template:
        return page("forgot_password.html", form={}, errors={})

    @post("/forgot-password")
    async def ask_password_reset(
        self,
        request: Request,
        data: Form,
        account_tokens_service: AccountTokens,
        throttle: NamedDependency[Throttle],
        settings: NamedDependency[Settings],
    ) -> Template:
        """Mail a reset link; the page that follows says the same whether or not an account has the address."""
        try:
            ask = checked(PasswordResetAsk, {"email": data.get("email", "")})
            await throttle.password_reset(client_address(request), ask.email)
        except (InvalidInputError, TooManyAttemptsError) as exc:
            return refused("forgot_password.html", data, exc, ["email"])
        await account_tokens_service.ask_password_reset(ask.email)
        minutes = settings.password_reset_ttl_seconds // 60
        return page("reset_link_sent.html", email=ask.email, minutes=minutes)

    @get("/reset-password")
    async def reset_password_page(self, token: Token = "") -> Template:
        return page("reset_password.html", form={"token": token}, errors={})

    @post("/reset-password")
    async def reset_password(
        self,
        request: Request,
        data: Form,
        account_tokens_service: AccountTokens,
        users_service: Users,
        account_rules: NamedDependency[AccountRules],
    ) -> Template | Redirect:
        """Set the new password, end every other session and token of the account, and sign this browser in."""
        try:
            reset = checked(PasswordReset, {"token": data.get("token", ""), "password": data.get("password", "")})
            user = await account_tokens_service.reset_password(
                reset.token, reset.password, users_service, account_rules
            )
        except InvalidInputError as exc:
            return refused("reset_password.html", data, exc, ["password"])
        sign_in(request, user)
        return see_other("/")

    @get("/verify-email")
    async def confirm_email_page(self, token: Token = "") -> Template:
        """A button to press, not a confirmation on GET: mail scanners open links, people press buttons."""
        return page("confirm_email.html", form={"token": token}, errors={}, confirmed=None)

    @post("/verify-email")
    async def confirm_email(self, data: Form, account_tokens_service: AccountTokens, users_service: Users) -> Template:
        try:
            user = await account_tokens_service.confirm_email(data.get("token", ""), users_service)
        except InvalidInputError as exc:
            return refused("confirm_email.html", data, exc, [], confirmed=None)
        return page("confirm_email.html", form={}, errors={}, confirmed=user.email)
