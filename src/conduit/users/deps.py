from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.di import NamedDependency

from conduit.config import alchemy_config
from conduit.db.models import User
from conduit.lib.exceptions import AuthenticationError
from conduit.lib.settings import get_settings
from conduit.lib.tokens import InvalidTokenError, read_token, token_from_header
from conduit.users.services import UserService

provide_users_service = create_service_provider(UserService, config=alchemy_config)


async def provide_optional_user(request: Request, users_service: NamedDependency[UserService]) -> User | None:
    """The caller named by the ``Authorization`` header, or None when there is no header.

    Raises:
        AuthenticationError: A token was sent but is invalid, expired, or names no account.
    """
    try:
        token = token_from_header(request.headers.get("Authorization"))
        if token is None:
            return None
        user_id = read_token(token, get_settings())
    except InvalidTokenError:
        msg = "token is invalid or expired"
        raise AuthenticationError(msg) from None
    user = await users_service.active_account(user_id)
    if user is None:
        msg = "token is invalid or expired"
        raise AuthenticationError(msg)
    return user


async def provide_current_user(optional_user: NamedDependency[User | None]) -> User:
    """The authenticated caller.

    Raises:
        AuthenticationError: The request carries no valid token.
    """
    if optional_user is None:
        msg = "authentication required: send 'Authorization: Token <jwt>'"
        raise AuthenticationError(msg)
    return optional_user
