"""Sending e-mail over SMTP, and reading what the development server caught.

`TONGNAN_SMTP_URL` names the server:

- `smtp://host:port`            plain SMTP (the development server `tongnan up` starts, a
                                relay on the same host)
- `smtp+starttls://host:587`    SMTP upgraded with STARTTLS before anything is sent
- `smtps://host:465`            SMTP over TLS from the first byte

with `user:password@` before the host when the server asks for a login. stdlib smtplib does
the talking; callers on an event loop run `send` in a thread. In development `tongnan up`
runs aiosmtpd on TONGNAN_SMTP_PORT, storing every message it receives in a Maildir
(`var/mail`), which `tongnan mail` lists: nothing leaves the machine.
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from services.common.settings import ConfigurationError

DEFAULT_SMTP_PORT = 8025  # the development server's; aiosmtpd's own default
SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str, *, variable: str = "TONGNAN_SMTP_URL") -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ConfigurationError(
                f"{variable} must look like smtp://host:port, smtp+starttls://host:587 or smtps://host:465, not {url!r}"
            )
        security, default_port = SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ConfigurationError(f"{variable} has an invalid port: {url!r}") from None
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def send(self, message: EmailMessage, *, timeout: float = 15.0) -> None:
        """Hand one message to the server; raises smtplib.SMTPException or OSError when it was
        not accepted (the caller may try again: nothing was delivered)."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


@dataclass(frozen=True)
class CaughtMail:
    key: str
    received: datetime | None
    sender: str
    to: str
    subject: str
    message: EmailMessage

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""


def caught(maildir: Path) -> list[CaughtMail]:
    """Every message in the development server's Maildir, oldest first."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    out = []
    for key in box.keys():  # noqa: SIM118 (iterating a Mailbox yields messages, not keys)
        message = parser.parsebytes(box.get_bytes(key))
        assert isinstance(message, EmailMessage)
        date = message.get("Date")
        out.append(
            CaughtMail(
                key=key,
                received=parsedate_to_datetime(str(date)) if date else None,
                sender=str(message.get("From", "")),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
                message=message,
            )
        )
    out.sort(key=lambda m: (m.received.timestamp() if m.received else 0.0, m.key))
    return out


def server_command(port: int, maildir: Path) -> list[str]:
    """aiosmtpd on loopback, every message it receives stored in `maildir` (development)."""
    import sys

    return [
        sys.executable,
        "-m",
        "aiosmtpd",
        "--nosetuid",
        "--smtputf8",
        "--listen",
        f"127.0.0.1:{port}",
        "--class",
        "aiosmtpd.handlers.Mailbox",
        str(maildir),
    ]
