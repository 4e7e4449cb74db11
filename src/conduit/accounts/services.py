"""Mailed tokens: issued by the job that mails them, kept only as their SHA-256, and deleted when used."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import delete

from conduit.db.models import AccountToken, User
from conduit.db.models.account_token import Purpose
from conduit.lib.exceptions import InvalidInputError
from conduit.lib.queue import enqueue
from conduit.users.rules import AccountRules
from conduit.users.services import INVALID_TOKEN, UserService

PASSWORD_RESET = "password-reset"  # noqa: S105  # a job's name, not a secret
"""The job that mails a reset link to the address asked for, when an account has it (``conduit.accounts.jobs``)."""
CONFIRMATION_TTL = timedelta(days=7)
"""How long an address confirmation link works."""


def token_hash(token: str) -> str:
    """What the database keeps of a mailed token."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccountTokenService(SQLAlchemyAsyncRepositoryService[AccountToken]):
    """Password reset and address confirmation tokens."""

    class Repo(SQLAlchemyAsyncRepository[AccountToken]):
        model_type = AccountToken

    repository_type = Repo

    async def ask_password_reset(self, email: str) -> None:
        """Queue a reset link for ``email``. The request does the same work whether or not an account has the
        address (the job finds out), so neither its answer nor its time tells."""
        await enqueue(self.repository.session, PASSWORD_RESET, {"email": email.strip().lower()})

    async def issue(self, user: User, purpose: Purpose, email: str, ttl: timedelta) -> str:
        """A new token for ``purpose`` mailed to ``email``; earlier ones of the account for that purpose stop working.

        Returns:
            The token, to be put in the mail: only its hash is stored.
        """
        await self._forget(user, purpose)
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + ttl
        await self.create(
            {
                "token_hash": token_hash(token),
                "user_id": user.id,
                "purpose": purpose,
                "email": email,
                "expires_at": expires_at,
            }
        )
        return token

    async def redeem(self, token: str, purpose: Purpose) -> AccountToken:
        """Use ``token`` up: of two requests using it at once, only one gets it.

        Raises:
            InvalidInputError: The token is unknown, used already, for another purpose, or expired.
        """
        statement = (
            delete(AccountToken)
            .where(AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose)
            .returning(AccountToken)
        )
        used: AccountToken | None = await self.repository.session.scalar(statement)
        if used is None or used.expires_at <= datetime.now(UTC):
            raise InvalidInputError("token", INVALID_TOKEN)
        return used

    async def reset_password(self, token: str, password: str, users: UserService, rules: AccountRules) -> User:
        """Set a new password with a reset token. Like every new password, it ends the account's earlier API tokens
        and browser sessions. The mail reached the address, so the address counts as confirmed.

        Raises:
            InvalidInputError: The token is invalid or expired (then nothing changes), or the password is weak.
        """
        used = await self.redeem(token, "password-reset")
        user = await users.active_account(used.user_id)
        if user is None or user.email != used.email:
            raise InvalidInputError("token", INVALID_TOKEN)
        await self._forget(user, "password-reset")
        changes = {"password": password, "email_verified_at": user.email_verified_at or datetime.now(UTC)}
        return await users.update_account(user, changes, rules=rules)

    async def confirm_email(self, token: str, users: UserService) -> User:
        """Confirm the address a confirmation token was mailed to.

        Raises:
            InvalidInputError: The token is invalid or expired, or the account no longer has or awaits that address.
            ConflictError: Another account took the address meanwhile.
        """
        used = await self.redeem(token, "email-verification")
        return await users.confirm_email(used.user_id, used.email)

    async def _forget(self, user: User, purpose: Purpose) -> None:
        await self.repository.session.execute(
            delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose)
        )
