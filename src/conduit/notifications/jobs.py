"""The notification digests, as a job handler."""

import functools
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import User
from conduit.lib.mail import Mailer
from conduit.lib.queue import Handler, Work
from conduit.lib.settings import Settings
from conduit.notifications.services import DIGEST, NotificationRules, NotificationService, unsubscribe_token

SUBJECTS = {"follow": "New followers on Conduit", "comment": "New comments on your Conduit articles"}


def notification_jobs(settings: Settings, mailer: Mailer, rules: NotificationRules) -> dict[str, Handler]:
    """The handler of the digest jobs."""

    async def digest(session: AsyncSession, payload: dict[str, Any]) -> Work | None:
        """Mail one account its pending notifications of one kind, with a one-click unsubscribe (RFC 8058); when
        the account chose not to get them (or is gone), they are dropped unsent."""
        user_id, kind = UUID(payload["user_id"]), payload["kind"]
        notifications = NotificationService(session=session)
        pending = await notifications.pending(user_id, kind)
        if not pending:
            return None
        forget = functools.partial(_forget, user_id=user_id, kind=kind, up_to=pending[-1].id, rules=rules)
        user = await session.get(User, user_id)
        if user is None or not user.is_active or not user.wants(kind):
            await forget(session)
            return None
        unsubscribe = f"{settings.public_url}/unsubscribe?token={unsubscribe_token(settings.secret_key, user_id, kind)}"
        message = mailer.compose(
            f"digest_{kind}",
            to=user.email,
            subject=SUBJECTS[kind],
            headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            username=user.username,
            events=[notification.details for notification in pending],
            public_url=settings.public_url,
            unsubscribe_url=unsubscribe,
        )
        return Work(outside=functools.partial(mailer.send, message), afterwards=forget)

    return {DIGEST: digest}


async def _forget(session: AsyncSession, *, user_id: UUID, kind: str, up_to: int, rules: NotificationRules) -> None:
    await NotificationService(session=session).forget(user_id, kind, up_to, rules)
