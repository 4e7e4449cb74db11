"""The accounts API: registration, sign-in and one's own account."""

from litestar import Controller, Request, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from conduit.db.models import User
from conduit.lib.auth import Tokens
from conduit.lib.openapi import error_responses, signed_in
from conduit.lib.requests import ConduitRequest
from conduit.lib.throttling import Throttle, client_address
from conduit.users.deps import Users
from conduit.users.rules import AccountRules
from conduit.users.schemas import LoginUserRequest, NewUserRequest, UpdateUserRequest, UserResponse


def _account(user: User, tokens: Tokens) -> UserResponse:
    return UserResponse.build(user, tokens.issue(user))


class UserController(Controller):
    """Registration, sign-in and the signed-in user's own account; every answer carries a token, so none is stored."""

    path = "/"
    tags = ["User and Authentication"]
    cache_control = CacheControlHeader(no_store=True)

    @post("/users/login", status_code=HTTP_200_OK, operation_id="Login", responses=error_responses(413))
    async def login(
        self,
        request: Request,
        data: JSONBody[LoginUserRequest],
        users_service: Users,
        tokens: NamedDependency[Tokens],
        throttle: NamedDependency[Throttle],
    ) -> UserResponse:
        """Sign in with email and password; the answer carries a token. Repeated failures are throttled."""
        async with throttle.sign_in(client_address(request), data.user.email):
            user = await users_service.authenticate(email=data.user.email, password=data.user.password)
        return _account(user, tokens)

    @post("/users", status_code=HTTP_201_CREATED, operation_id="CreateUser", responses=error_responses(409, 413))
    async def register(
        self,
        request: Request,
        data: JSONBody[NewUserRequest],
        users_service: Users,
        tokens: NamedDependency[Tokens],
        throttle: NamedDependency[Throttle],
        account_rules: NamedDependency[AccountRules],
    ) -> UserResponse:
        """Create an account and sign in to it."""
        await throttle.hit(throttle.registrations, client_address(request))
        new = data.user
        user = await users_service.register(
            username=new.username,
            email=new.email,
            password=new.password,
            rules=account_rules,
        )
        return _account(user, tokens)

    @get("/user", operation_id="GetCurrentUser", **signed_in())
    async def current(self, request: ConduitRequest, tokens: NamedDependency[Tokens]) -> UserResponse:
        """The signed-in user."""
        return _account(request.signed_in_viewer, tokens)

    @put("/user", operation_id="UpdateCurrentUser", **signed_in(409, 413))
    async def update(
        self,
        request: ConduitRequest,
        data: JSONBody[UpdateUserRequest],
        users_service: Users,
        tokens: NamedDependency[Tokens],
        account_rules: NamedDependency[AccountRules],
    ) -> UserResponse:
        """Change the signed-in user's email, username, password, bio or image (empty or null clears the last two)."""
        user = await users_service.update_account(request.signed_in_viewer, data.user, rules=account_rules)
        return _account(user, tokens)
