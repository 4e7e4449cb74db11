"""What the commands share: the database from the settings, one event loop per command, domain refusals as errors.

Commands open the database the way the application does (``conduit.lib.database``) but without its web
configuration, which they have no use for and which would add most of a second to every command.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from conduit.lib.database import create_engine, engine_options
from conduit.lib.exceptions import ConduitError, sentences
from conduit.lib.schema import checked
from conduit.lib.settings import Settings
from conduit.users.services import UserService

T = TypeVar("T")


def run(work: Callable[[AsyncEngine], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on the configured database in a fresh event loop; close the connections before it ends."""
    settings = Settings.from_env()

    async def main() -> T:
        engine = create_engine(settings.database_url, **engine_options(settings))
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def session_on(engine: AsyncEngine) -> AsyncSession:
    """A session as the application's requests get them (objects stay readable after COMMIT)."""
    return AsyncSession(engine, expire_on_commit=False)


def refusal(error: ConduitError) -> click.ClickException:
    """The domain's refusal as the command's one-line error."""
    return click.ClickException("; ".join(sentences(error.errors)))


def validated(schema: type[T], **fields: Any) -> T:
    """``fields`` checked by the same schema the API uses.

    Raises:
        click.ClickException: A field is invalid; the message names it.
    """
    try:
        return checked(schema, fields)
    except ConduitError as exc:
        raise refusal(exc) from None


def with_users(action: Callable[[UserService], Awaitable[T]]) -> T:
    """Run ``action`` with a user service in one transaction, committed when it succeeds."""

    async def work(engine: AsyncEngine) -> T:
        async with session_on(engine) as session, session.begin():
            try:
                return await action(UserService(session=session))
            except ConduitError as exc:
                raise refusal(exc) from None

    return run(work)
