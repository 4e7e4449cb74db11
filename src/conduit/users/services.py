"""Accounts: registration, sign-in, changes to one's own details, and ending the credentials given out."""

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import ModelDictT, SQLAlchemyAsyncRepositoryService, is_dict, schema_dump
from sqlalchemy import Row, bindparam, or_, select

from conduit.db.models import User, canonical_username
from conduit.lib.exceptions import AuthenticationError, ConflictError, InvalidInputError, found
from conduit.lib.metrics import SIGNUPS
from conduit.lib.passwords import hash_password, password_weakness, verify_password
from conduit.lib.queue import enqueue
from conduit.users.names import check_username, normalized_username
from conduit.users.rules import DEFAULT_RULES, AccountRules

FEED_OWNER = select(User).where(User.feed_token_hash == bindparam("feed_token_hash"), User.is_active)
"""Built once: whose private feed a token opens (nobody's once the account is disabled)."""
ACTIVE_ACCOUNT = select(User).where(User.id == bindparam("user_id"), User.is_active)
"""Built once: the account a token or a browser session names, unless it was deleted or disabled."""
EMAIL_CONFIRMATION = "email-confirmation"
"""The job that mails an address its confirmation link (``conduit.accounts.jobs``)."""
INVALID_TOKEN = "is invalid or expired"  # noqa: S105  # a message, not a secret


class UserService(SQLAlchemyAsyncRepositoryService[User]):
    """Accounts: registration, sign-in and changes to one's own details."""

    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

        async def taken(
            self, *, username: str | None, email: str | None, except_id: UUID | None
        ) -> Sequence[Row[str, str]]:
            """(canonical username, email) of the accounts other than ``except_id`` with this username or email."""
            canonical = canonical_username(username) if username else None
            conditions = [
                column == value
                for column, value in ((User.canonical_username, canonical), (User.email, email))
                if value
            ]
            if not conditions:
                return []
            statement = select(User.canonical_username, User.email).where(or_(*conditions))
            if except_id is not None:
                statement = statement.where(User.id != except_id)
            return (await self.session.execute(statement)).all()

    repository_type = Repo

    async def register(self, *, username: str, email: str, password: str, rules: AccountRules = DEFAULT_RULES) -> User:
        """Create an account; the username is kept in its NFKC form and the email in lower case. With
        ``rules.confirm_addresses``, a confirmation link is mailed to the address (queued with the account).

        Args:
            username: The name the account is known by.
            email: Where the account's owner is reached, and what they sign in with.
            password: Stored only as its hash.
            rules: Whether common passwords are refused, and whether the address is sent a confirmation.

        Raises:
            ConflictError: The username or the email is taken.
            InvalidInputError: The username is reserved (or a look-alike of a reserved name) or written in mixed
                scripts, or the password weak.
        """
        username, email = normalized_username(username), email.lower()
        check_username(username)
        _check_password(password, refuse_common=rules.refuse_common_passwords)
        await self._ensure_available(username=username, email=email)
        user = await self.create({"username": username, "email": email, "password": password})
        if rules.confirm_addresses:
            await self._send_confirmation(user, email)
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
            raise AuthenticationError("credentials", "invalid")
        return user

    async def update_account(self, user: User, changes: Any, *, rules: AccountRules = DEFAULT_RULES) -> User:
        """Apply ``changes`` (an ``UpdateUser``, or a dict of the fields to change) to ``user``'s account.

        An empty ``bio`` or ``image`` is stored as null. A new password ends every token and browser session given
        out before it, and the private feed's address; the caller hands the account a fresh session or token.
        A new email counts as unconfirmed; with ``rules.confirmed_addresses_only`` it only waits (as
        ``pending_email``) until confirmed, and the old one stays the account's.

        Args:
            user: The account to change.
            changes: Only the fields to change.
            rules: Whether common passwords are refused, and how a new address is confirmed.

        Raises:
            ConflictError: The new username or email belongs to someone else.
            InvalidInputError: The username is reserved (or a look-alike of a reserved name) or written in mixed
                scripts, or the password weak.
        """
        sent = schema_dump(changes)
        new_email = None
        if "email" in sent and (email := sent["email"].lower()) != user.email:
            new_email = email
            sent |= {"pending_email": email} if rules.confirmed_addresses_only else {"email_verified_at": None}
        sent.pop("email", None)
        if "username" in sent:
            sent["username"] = normalized_username(sent["username"])
            if canonical_username(sent["username"]) != user.canonical_username:  # an old name stays usable
                check_username(sent["username"])
        for name in ("bio", "image"):
            if sent.get(name) == "":
                sent[name] = None
        if "password" in sent:
            _check_password(sent["password"], refuse_common=rules.refuse_common_passwords)
            sent |= {"token_version": user.token_version + 1, "session_version": user.session_version + 1}
            sent |= {"feed_token_version": user.feed_token_version + 1, "feed_token_hash": None}
        await self._ensure_available(username=sent.get("username"), email=new_email, except_id=user.id)
        if new_email is not None and not rules.confirmed_addresses_only:
            sent["email"] = new_email
        updated = await self.update(sent, item_id=user.id)
        if new_email is not None and rules.confirm_addresses:
            await self._send_confirmation(updated, new_email)
        return updated

    async def confirm_email(self, user_id: UUID, email: str) -> User:
        """Record that the owner of account ``user_id`` received mail at ``email``: confirmed, it is the account's.

        Raises:
            InvalidInputError: The account is gone or disabled, or ``email`` is neither its address nor the one it
                waits to change to.
            ConflictError: Another account took the address meanwhile.
        """
        user = await self.active_account(user_id)
        now = datetime.now(UTC)
        if user is not None and email == user.pending_email:
            await self._ensure_available(username=None, email=email, except_id=user.id)
            return await self.update({"email": email, "pending_email": None, "email_verified_at": now}, item_id=user.id)
        if user is not None and email == user.email:
            return await self.update({"email_verified_at": user.email_verified_at or now}, item_id=user.id)
        raise InvalidInputError("token", INVALID_TOKEN)

    async def choose_notifications(self, user: User, *, follows: bool, comments: bool) -> User:
        """Which notification mails ``user`` gets: about new followers, about comments on their articles."""
        return await self.update({"notify_follows": follows, "notify_comments": comments}, item_id=user.id)

    async def stop_notifications(self, user_id: UUID, kind: str) -> User | None:
        """Stop notification mails of ``kind`` (``follow``, ``comment``) to account ``user_id`` (a one-click
        unsubscribe); None when the account is gone."""
        user = await self.get_one_or_none(User.id == user_id)
        if user is None:
            return None
        return await self.update({User.notification_choice(kind): False}, item_id=user.id)

    async def _send_confirmation(self, user: User, email: str) -> None:
        await enqueue(self.repository.session, EMAIL_CONFIRMATION, {"user_id": str(user.id), "email": email})

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

    async def sign_out_everywhere(self, user: User) -> User:
        """End every browser session and every API token ``user`` was given, and their private feed's address."""
        user.token_version += 1
        user.session_version += 1
        _drop_feed_token(user)
        return await self.update(user)

    async def revoke_tokens(self, user: User) -> User:
        """Make every API token ``user`` was given answer 401; browser sessions go on."""
        user.token_version += 1
        return await self.update(user)

    async def private_feed_token(self, user: User, secret_key: str) -> str:
        """The token in the address of ``user``'s private feed; the first call for a token records its hash.

        The token is derived from the secret key, the account and its feed token version, so that the settings
        page can show it again while the database keeps only its hash. A token derived under another secret
        key (after the key changed, or an import from another installation) is replaced by this one.
        """
        token = _feed_token(user, secret_key)
        if user.feed_token_hash != (hashed := feed_token_hash(token)):
            user.feed_token_hash = hashed
            await self.update(user)
        return token

    async def replace_feed_token(self, user: User) -> User:
        """Give ``user``'s private feed a new address; the old one answers 404 from now on."""
        _drop_feed_token(user)
        return await self.update(user)

    async def feed_owner(self, token: str) -> User:
        """The active account whose private feed ``token`` opens.

        Raises:
            NotFoundError: No active account has this token (it was replaced, or never given out).
        """
        owner: User | None = await self.repository.session.scalar(
            FEED_OWNER, {"feed_token_hash": feed_token_hash(token)}
        )
        return found(owner, "feed")

    async def active_account(self, user_id: UUID) -> User | None:
        """The account ``user_id`` names, unless it was deleted or disabled (read on every signed-in request)."""
        account: User | None = await self.repository.session.scalar(ACTIVE_ACCOUNT, {"user_id": user_id})
        return account

    async def get_by_username(self, username: str) -> User:
        """The account called ``username``.

        Raises:
            NotFoundError: No account has that username.
        """
        return found(await self.get_one_or_none(username=username), "user")

    async def set_active(self, username: str, *, active: bool) -> User:
        """Enable or disable an account; disabling it also ends every session and token it was given.

        Raises:
            NotFoundError: No account has that username.
        """
        user = await self.get_by_username(username)
        user.is_active = active
        if not active:
            return await self.sign_out_everywhere(user)
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
        errors = {}
        if username is not None and any(row.canonical_username == canonical_username(username) for row in taken):
            errors["username"] = [ConflictError.message]
        if email is not None and any(row.email == email for row in taken):
            errors["email"] = [ConflictError.message]
        if errors:
            raise ConflictError.of(errors)


def _feed_token(user: User, secret_key: str) -> str:
    message = f"private-feed:{user.id}:{user.feed_token_version}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token_hash(token: str) -> str:
    """What the database keeps of a private feed token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _drop_feed_token(user: User) -> None:
    """Forget the private feed's token; the next one (made when the settings page is shown) differs."""
    user.feed_token_version += 1
    user.feed_token_hash = None


def _check_password(password: str, *, refuse_common: bool) -> None:
    if (weakness := password_weakness(password, refuse_common=refuse_common)) is not None:
        raise InvalidInputError("password", weakness)
