from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency

from conduit.db.models import User
from conduit.lib.exceptions import AuthenticationError
from conduit.users.services import UserService


async def provide_viewer(request: Request, users_service: NamedDependency[UserService]) -> User | None:
    """The signed-in person, from the browser session; None for visitors (a stale session is forgotten)."""
    user_id = request.session.get("user_id")
    if not user_id:
        return None
    user = await users_service.active_account(UUID(user_id))
    if user is None:
        request.clear_session()
        return None
    return user


async def provide_member(viewer: NamedDependency[User | None]) -> User:
    """The signed-in person; visitors are sent to the sign-in page.

    Raises:
        AuthenticationError: Nobody is signed in.
    """
    if viewer is None:
        msg = "please sign in"
        raise AuthenticationError(msg)
    return viewer


def sign_in(request: Request, user: User) -> None:
    """Remember ``user`` in the browser session."""
    request.set_session({"user_id": str(user.id), "username": user.username})
