"""Mail: messages built from a text and an HTML template, handed to the SMTP server ``SMTP_URL`` names.

Without ``SMTP_URL`` (development), each message is written to a file under ``var_dir/mail`` instead, and the log says
where, so that ``make run`` needs no mail server. Mail is only ever sent by the job queue's workers
(``conduit.lib.queue``), never inside a request.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from conduit.lib.metrics import MAILS_SENT
from conduit.lib.settings import Settings

SMTP_TIMEOUT_SECONDS = 30
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}

logger = logging.getLogger("conduit.mail")


@dataclass(frozen=True)
class SMTPServer:
    """Where ``SMTP_URL`` points: ``smtp://`` upgrades to TLS with STARTTLS when the server offers it, ``smtps://``
    speaks TLS from the first byte."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool

    @classmethod
    def from_url(cls, url: str) -> "SMTPServer":
        parts = urlsplit(url)
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=parts.scheme == "smtps",
        )


class Mailer:
    """Builds messages from the templates in ``templates_dir`` (``NAME.txt`` and ``NAME.html``) and sends them."""

    def __init__(self, settings: Settings, templates_dir: Path) -> None:
        self.sender = settings.mail_from
        self.server = SMTPServer.from_url(settings.smtp_url) if settings.smtp_url else None
        self.outbox = Path(settings.var_dir) / "mail"
        self.templates = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def compose(
        self, template: str, *, to: str, subject: str, headers: dict[str, str] | None = None, **context: Any
    ) -> EmailMessage:
        """A message to ``to``: its text part from ``template.txt``, its HTML part from ``template.html``."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=_domain(self.sender))
        message["X-Conduit-Template"] = template
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(self.templates.get_template(f"{template}.txt").render(subject=subject, **context))
        html = self.templates.get_template(f"{template}.html").render(subject=subject, **context)
        message.add_alternative(html, subtype="html")
        return message

    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the SMTP server, or write it to a file when there is none.

        Raises:
            aiosmtplib.SMTPException: The server is unreachable or refused the message (the job is tried again).
        """
        if self.server is None:
            self.outbox.mkdir(parents=True, exist_ok=True)
            path = self.outbox / f"{datetime.now(UTC):%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.as_bytes())
            logger.info("mail written to a file (no SMTP_URL)", extra={"path": str(path), "to": message["To"]})
        else:
            await aiosmtplib.send(
                message,
                hostname=self.server.hostname,
                port=self.server.port,
                username=self.server.username,
                password=self.server.password,
                use_tls=self.server.implicit_tls,
                start_tls=False if self.server.implicit_tls else None,
                timeout=SMTP_TIMEOUT_SECONDS,
            )
            logger.info("mail sent", extra={"to": message["To"], "template": message["X-Conduit-Template"]})
        MAILS_SENT.labels(message["X-Conduit-Template"]).inc()


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"
