"""The job queue's workers, as the server processes (``JOBS_IN_APP``) and ``conduit workers`` both run them."""

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from conduit.accounts.jobs import account_jobs
from conduit.lib.mail import Mailer
from conduit.lib.queue import JobQueue
from conduit.lib.settings import Settings
from conduit.notifications.jobs import notification_jobs
from conduit.notifications.services import NotificationRules
from conduit.web.rendering import TEMPLATES_DIR

MAIL_TEMPLATES_DIR = TEMPLATES_DIR / "mail"
"""The mails' templates: ``NAME.txt`` and ``NAME.html`` for each, extending ``layout.html``."""


def job_queue(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> JobQueue:
    """The queue with a handler for every kind of job Conduit queues."""
    mailer = Mailer(settings, MAIL_TEMPLATES_DIR)
    rules = NotificationRules.of(settings)
    return JobQueue(
        alchemy,
        {**account_jobs(settings, mailer), **notification_jobs(settings, mailer, rules)},
        lease_seconds=settings.job_lease_seconds,
        retry_max_seconds=settings.job_retry_max_seconds,
    )
