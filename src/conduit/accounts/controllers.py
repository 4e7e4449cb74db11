"""The account mail API: a reset link for a forgotten password, and the mailed tokens' use. Beyond RealWorld's
contract (``docs/api.md``); served only with ``ACCOUNT_MAIL``."""

from litestar import Controller, Request, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from conduit.accounts.deps import AccountTokens
from conduit.accounts.schemas import EmailConfirmationRequest, PasswordResetAskRequest, PasswordResetRequest
from conduit.lib.auth import Tokens
from conduit.lib.openapi import error_responses
from conduit.lib.throttling import Throttle, client_address
from conduit.users.deps import Users
from conduit.users.rules import AccountRules
from conduit.users.schemas import UserResponse


class AccountMailController(Controller):
    """Password resets and address confirmations, by mailed token."""

    path = "/users"
    tags = ["Account mail"]
    cache_control = CacheControlHeader(no_store=True)

    @post(
        "/password-reset", status_code=HTTP_202_ACCEPTED, operation_id="AskPasswordReset", responses=error_responses()
    )
    async def ask_password_reset(
        self,
        request: Request,
        data: JSONBody[PasswordResetAskRequest],
        account_tokens_service: AccountTokens,
        throttle: NamedDependency[Throttle],
    ) -> str:
        """Mail a reset link to the address, if an account has it. The answer is the same 202 either way, and so
        is the work behind it; asks are throttled per address typed in and per client."""
        await throttle.password_reset(client_address(request), data.user.email)
        await account_tokens_service.ask_password_reset(data.user.email)
        return ""

    @post(
        "/password-reset/confirm",
        status_code=HTTP_200_OK,
        operation_id="ResetPassword",
        responses=error_responses(),
    )
    async def reset_password(
        self,
        data: JSONBody[PasswordResetRequest],
        account_tokens_service: AccountTokens,
        users_service: Users,
        tokens: NamedDependency[Tokens],
        account_rules: NamedDependency[AccountRules],
    ) -> UserResponse:
        """Set a new password with the mailed token (once, before it expires). Every earlier API token and browser
        session of the account ends; the answer carries a fresh token."""
        reset = data.user
        user = await account_tokens_service.reset_password(reset.token, reset.password, users_service, account_rules)
        return UserResponse.build(user, tokens.issue(user))

    @post(
        "/email-confirmation",
        status_code=HTTP_200_OK,
        operation_id="ConfirmEmail",
        responses=error_responses(409),
    )
    async def confirm_email(
        self,
        data: JSONBody[EmailConfirmationRequest],
        account_tokens_service: AccountTokens,
        users_service: Users,
        tokens: NamedDependency[Tokens],
    ) -> UserResponse:
        """Confirm the address the token was mailed to; a new address waiting for confirmation becomes the
        account's."""
        user = await account_tokens_service.confirm_email(data.user.token, users_service)
        return UserResponse.build(user, tokens.issue(user))
