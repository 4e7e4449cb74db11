"""``conduit sessions``: sign browsers out by deleting their rows of the ``sessions`` table."""

import click
from sqlalchemy import ColumnElement, delete
from sqlalchemy.ext.asyncio import AsyncEngine

from conduit.cli.common import run, session_on
from conduit.db.models import SessionRecord
from conduit.db.models.session import SESSION_NAMESPACE


async def _delete(engine: AsyncEngine, *conditions: ColumnElement[bool]) -> int:
    async with session_on(engine) as session, session.begin():
        result = await session.execute(
            delete(SessionRecord).where(SessionRecord.namespace == SESSION_NAMESPACE, *conditions)
        )
    return int(getattr(result, "rowcount", 0) or 0)


@click.group("sessions")
def sessions() -> None:
    """Sign browsers out.

    API tokens are not sessions and outlive these commands: end an account's tokens with
    `conduit users revoke-tokens NAME`, or its tokens and sessions with `conduit users sign-out-everywhere NAME`.
    """


@sessions.command("delete")
@click.argument("session_id")
@click.confirmation_option(prompt="Sign this browser out?")
def delete_session(session_id: str) -> None:
    """Delete the session SESSION_ID (the value of a browser's conduit_session cookie)."""
    if not run(lambda engine: _delete(engine, SessionRecord.key == session_id)):
        msg = f"no session {session_id!r}"
        raise click.ClickException(msg)
    click.echo(f"deleted session {session_id!r}")


@sessions.command("clear")
@click.confirmation_option(prompt="Sign every browser out?")
def clear_sessions() -> None:
    """Delete every session: everyone signed in on the web app has to sign in again."""
    deleted = run(_delete)
    click.echo(f"deleted {deleted} session{'' if deleted == 1 else 's'}")
