"""The account mails, as job handlers: a password reset link, an address confirmation link."""

import functools
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from conduit.accounts.services import CONFIRMATION_TTL, PASSWORD_RESET, AccountTokenService
from conduit.db.models import User
from conduit.db.statements import all_rows
from conduit.lib.mail import Mailer
from conduit.lib.queue import Handler, Work
from conduit.lib.settings import Settings
from conduit.users.services import EMAIL_CONFIRMATION, UserService


def account_jobs(settings: Settings, mailer: Mailer) -> dict[str, Handler]:
    """The handlers of the account mails' jobs, by kind."""
    reset_ttl = timedelta(seconds=settings.password_reset_ttl_seconds)

    async def password_reset(session: AsyncSession, payload: dict[str, Any]) -> Work | None:
        """Mail a reset link to the address asked for; when no active account has it, nothing is sent."""
        users = UserService(session=session, statement=all_rows(User))
        user = await users.get_one_or_none(User.email == payload["email"], User.is_active.is_(True))
        if user is None:
            return None
        token = await AccountTokenService(session=session).issue(user, "password-reset", user.email, reset_ttl)
        message = mailer.compose(
            "password_reset",
            to=user.email,
            subject="Reset your Conduit password",
            username=user.username,
            link=f"{settings.public_url}/reset-password?token={token}",
            minutes=settings.password_reset_ttl_seconds // 60,
        )
        return Work(outside=functools.partial(mailer.send, message))

    async def email_confirmation(session: AsyncSession, payload: dict[str, Any]) -> Work | None:
        """Mail a confirmation link to a new account's address, or to the address an account changes to; nothing
        when the account has moved on since (another address, or this one confirmed)."""
        users = UserService(session=session, statement=all_rows(User))
        user = await users.active_account(UUID(payload["user_id"]))
        email = payload["email"]
        if user is None or not (email == user.pending_email or (email == user.email and not user.email_verified_at)):
            return None
        token = await AccountTokenService(session=session).issue(user, "email-verification", email, CONFIRMATION_TTL)
        message = mailer.compose(
            "email_confirmation",
            to=email,
            subject="Confirm your email address for Conduit",
            username=user.username,
            link=f"{settings.public_url}/verify-email?token={token}",
            days=CONFIRMATION_TTL.days,
        )
        return Work(outside=functools.partial(mailer.send, message))

    return {PASSWORD_RESET: password_reset, EMAIL_CONFIRMATION: email_confirmation}
