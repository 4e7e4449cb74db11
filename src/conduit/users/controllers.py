from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import structs

from conduit.db.models import User
from conduit.lib.settings import get_settings
from conduit.lib.tokens import issue_token
from conduit.users.schemas import LoginUserRequest, NewUserRequest, UpdateUserRequest, UserResponse
from conduit.users.services import UserService


def _user_response(user: User) -> UserResponse:
    return UserResponse.build(user, issue_token(user.id, get_settings()))


class UserController(Controller):
    """Registration, sign-in and the signed-in user's own account."""

    path = "/api"
    tags = ["User and Authentication"]

    @post("/users/login", status_code=HTTP_200_OK, operation_id="Login")
    async def login(
        self, data: JSONBody[LoginUserRequest], users_service: NamedDependency[UserService]
    ) -> UserResponse:
        """Sign in with email and password; the answer carries a token."""
        user = await users_service.authenticate(email=data.user.email, password=data.user.password)
        return _user_response(user)

    @post("/users", status_code=HTTP_201_CREATED, operation_id="CreateUser")
    async def register(
        self, data: JSONBody[NewUserRequest], users_service: NamedDependency[UserService]
    ) -> UserResponse:
        """Create an account and sign in to it."""
        new = data.user
        user = await users_service.register(username=new.username, email=new.email, password=new.password)
        return _user_response(user)

    @get("/user", operation_id="GetCurrentUser", security=[{"Token": []}])
    async def current(self, current_user: NamedDependency[User]) -> UserResponse:
        """The signed-in user."""
        return _user_response(current_user)

    @put("/user", operation_id="UpdateCurrentUser", security=[{"Token": []}])
    async def update(
        self,
        data: JSONBody[UpdateUserRequest],
        current_user: NamedDependency[User],
        users_service: NamedDependency[UserService],
    ) -> UserResponse:
        """Change the signed-in user's email, username, password, bio or image."""
        user = await users_service.update_account(current_user, structs.asdict(data.user))
        return _user_response(user)
