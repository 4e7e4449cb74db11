"""Notifications: recorded with the follow or comment that causes them, mailed later as one digest per kind.

The first notification of a kind for an account queues its digest job ``NOTIFICATION_DIGEST_SECONDS`` ahead, keyed by
account and kind, so that whatever else happens meanwhile waits for that same job: a burst of follows is one mail,
and there is at most one mail of a kind per account in that time.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, delete, select

from conduit.db.models import NOTIFICATION_KINDS, Article, Notification, NotificationKind, User
from conduit.lib.queue import enqueue
from conduit.lib.settings import Settings

DIGEST = "notification-digest"
"""The job that mails an account's pending notifications of one kind (``conduit.notifications.jobs``)."""
DIGEST_SIZE = 50
"""Notifications in one mail at most; more wait for the next digest."""


@dataclass(frozen=True)
class NotificationRules:
    """Whether notifications are recorded (``ACCOUNT_MAIL``), and how they are batched
    (``NOTIFICATION_DIGEST_SECONDS``)."""

    enabled: bool = False
    digest_seconds: int = 600

    @classmethod
    def of(cls, settings: Settings) -> "NotificationRules":
        return cls(enabled=settings.account_mail, digest_seconds=settings.notification_digest_seconds)


NO_NOTIFICATIONS = NotificationRules()


def digest_key(user_id: UUID, kind: str) -> str:
    return f"digest:{kind}:{user_id}"


class NotificationService(SQLAlchemyAsyncRepositoryService[Notification]):
    """Notifications waiting for their digest mail."""

    class Repo(SQLAlchemyAsyncRepository[Notification]):
        model_type = Notification

    repository_type = Repo

    async def followed(self, follower: User, username: str, rules: NotificationRules) -> None:
        """Tell ``username`` that ``follower`` follows them (unless they chose not to hear of it)."""
        if not rules.enabled:
            return
        wants = User.username == username, User.notify_follows.is_(True)
        await self._record("follow", select(User.id).where(*wants), {"username": follower.username}, rules)

    async def commented(self, commenter: User, slug: str, body: str, rules: NotificationRules) -> None:
        """Tell the author of the article at ``slug`` about ``commenter``'s comment (not when it is their own)."""
        if not rules.enabled:
            return
        recipient = select(Article.author_id, Article.title).join(User, User.id == Article.author_id)
        wants = Article.slug == slug, Article.author_id != commenter.id, User.notify_comments.is_(True)
        row = (await self.repository.session.execute(recipient.where(*wants))).one_or_none()
        if row is not None:
            details = {"username": commenter.username, "slug": slug, "title": row.title, "body": body[:500]}
            await self._add(row.author_id, "comment", details, rules)

    async def pending(self, user_id: UUID, kind: str) -> list[Notification]:
        """The oldest notifications of ``kind`` waiting for ``user_id``'s next digest."""
        statement = select(Notification).where(*_of(user_id, kind)).order_by(Notification.id).limit(DIGEST_SIZE)
        return list((await self.repository.session.scalars(statement)).all())

    async def forget(self, user_id: UUID, kind: str, up_to: int, rules: NotificationRules) -> None:
        """Drop the notifications a digest carried (ids up to ``up_to``); any left get a digest of their own."""
        session = self.repository.session
        await session.execute(delete(Notification).where(*_of(user_id, kind), Notification.id <= up_to))
        if await session.scalar(select(Notification.id).where(*_of(user_id, kind)).limit(1)) is not None:
            await self._queue_digest(user_id, kind, rules)

    async def _record(
        self, kind: NotificationKind, recipient: Any, details: dict[str, Any], rules: NotificationRules
    ) -> None:
        user_id = await self.repository.session.scalar(recipient)
        if user_id is not None:
            await self._add(user_id, kind, details, rules)

    async def _add(
        self, user_id: UUID, kind: NotificationKind, details: dict[str, Any], rules: NotificationRules
    ) -> None:
        await self.create({"user_id": user_id, "kind": kind, "details": details})
        await self._queue_digest(user_id, kind, rules)

    async def _queue_digest(self, user_id: UUID, kind: str, rules: NotificationRules) -> None:
        await enqueue(
            self.repository.session,
            DIGEST,
            {"user_id": str(user_id), "kind": kind},
            key=digest_key(user_id, kind),
            delay=timedelta(seconds=rules.digest_seconds),
        )


def _of(user_id: UUID, kind: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return Notification.user_id == user_id, Notification.kind == kind


def unsubscribe_token(secret_key: str, user_id: UUID, kind: str) -> str:
    """The token in a notification mail's unsubscribe link: it stops mails of ``kind`` to ``user_id``, nothing more."""
    return f"{user_id}.{kind}.{_signature(secret_key, str(user_id), kind)}"


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[UUID, NotificationKind] | None:
    """Whose mails of which kind an unsubscribe token stops; None for a token this installation did not sign."""
    user_id, _, rest = token.partition(".")
    kind, _, signature = rest.partition(".")
    if kind not in NOTIFICATION_KINDS or not hmac.compare_digest(signature, _signature(secret_key, user_id, kind)):
        return None
    try:
        return UUID(user_id), kind
    except ValueError:
        return None


def _signature(secret_key: str, user_id: str, kind: str) -> str:
    digest = hmac.new(secret_key.encode(), f"unsubscribe:{user_id}:{kind}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
