"""Accounts: registration, sign-in and changes to one's own details."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import ModelDictT, SQLAlchemyAsyncRepositoryService, is_dict, schema_dump
from sqlalchemy import Row, or_, select

from conduit.db.models import User
from conduit.lib.exceptions import AuthenticationError, InvalidInputError, NotFoundError
from conduit.lib.metrics import SIGNUPS
from conduit.lib.passwords import hash_password, verify_password


class UserService(SQLAlchemyAsyncRepositoryService[User]):
    """Accounts: registration, sign-in and changes to one's own details."""

    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

        async def taken(
            self, *, username: str | None, email: str | None, except_id: UUID | None
        ) -> Sequence[Row[str, str]]:
            """(username, email) of the accounts other than ``except_id`` that use this username or email."""
            conditions = [
                column == value for column, value in ((User.username, username), (User.email, email)) if value
            ]
            if not conditions:
                return []
            statement = select(User.username, User.email).where(or_(*conditions))
            if except_id is not None:
                statement = statement.where(User.id != except_id)
            return (await self.session.execute(statement)).all()

    repository_type = Repo

    async def register(self, *, username: str, email: str, password: str) -> User:
        """Create an account.

        Raises:
            InvalidInputError: The username or the email is taken.
        """
        email = email.lower()
        await self._ensure_available(username=username, email=email)
        user = await self.create({"username": username, "email": email, "password": password})
        SIGNUPS.inc()
        return user

    async def authenticate(self, *, email: str, password: str) -> User:
        """Return the account these credentials belong to.

        Raises:
            AuthenticationError: No account has this email and password.
        """
        user = await self.get_one_or_none(email=email.lower())
        if (
            not await verify_password(user.password_hash if user else None, password)
            or user is None
            or not user.is_active
        ):
            msg = "email or password is invalid"
            raise AuthenticationError(msg)
        return user

    async def update_account(self, user: User, changes: Any) -> User:
        """Apply ``changes`` (an ``UpdateUser``, or a dict of the fields to change) to ``user``'s account.

        Raises:
            InvalidInputError: The new username or email belongs to someone else.
        """
        sent = schema_dump(changes)
        if "email" in sent:
            sent["email"] = sent["email"].lower()
        if sent.get("image") == "":
            sent["image"] = None
        await self._ensure_available(username=sent.get("username"), email=sent.get("email"), except_id=user.id)
        return await self.update(sent, item_id=user.id)

    async def to_model_on_create(self, data: "ModelDictT[User]") -> "ModelDictT[User]":
        return await self._hash_password(data)

    async def to_model_on_update(self, data: "ModelDictT[User]") -> "ModelDictT[User]":
        return await self._hash_password(data)

    @staticmethod
    async def _hash_password(data: "ModelDictT[User]") -> "ModelDictT[User]":
        """A plain ``password`` in the data becomes its ``password_hash``; the password itself is never stored."""
        if is_dict(data) and "password" in data:
            data = {**data, "password_hash": await hash_password(data["password"])}
            del data["password"]
        return data

    async def active_account(self, user_id: UUID) -> User | None:
        """The account ``user_id`` names, unless it was deleted or disabled."""
        user = await self.get_one_or_none(id=user_id)
        return user if user is not None and user.is_active else None

    async def get_by_username(self, username: str) -> User:
        """The account called ``username``.

        Raises:
            NotFoundError: No account has that username.
        """
        user = await self.get_one_or_none(username=username)
        if user is None:
            msg = f"user {username!r} not found"
            raise NotFoundError(msg)
        return user

    async def set_active(self, username: str, *, active: bool) -> User:
        """Enable or disable an account; a disabled account can neither sign in nor use its tokens.

        Raises:
            NotFoundError: No account has that username.
        """
        user = await self.get_by_username(username)
        user.is_active = active
        return await self.update(user)

    async def remove(self, username: str) -> None:
        """Delete an account with its articles, comments, follows and favorites.

        Raises:
            NotFoundError: No account has that username.
        """
        await self.delete((await self.get_by_username(username)).id)

    async def _ensure_available(
        self, *, username: str | None, email: str | None, except_id: UUID | None = None
    ) -> None:
        taken = await self.repository.taken(username=username, email=email, except_id=except_id)
        messages = []
        if username is not None and any(row.username == username for row in taken):
            messages.append("username has already been taken")
        if email is not None and any(row.email == email for row in taken):
            messages.append("email has already been taken")
        if messages:
            raise InvalidInputError(*messages)
