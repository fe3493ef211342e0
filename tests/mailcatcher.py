"""A real SMTP server for tests: aiosmtpd on a free loopback port, every message it receives
kept in a Maildir, read back as `tongnan mail` reads the development server's."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from services.common.mail import CaughtMail, caught
from tests.harness import free_port


class MailCatcher:
    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.port = free_port()
        self.controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self, to: str | None = None) -> list[CaughtMail]:
        return [m for m in caught(self.maildir) if to is None or m.to == to]

    def wait_for(self, matches: Callable[[CaughtMail], bool], timeout: float = 20.0) -> CaughtMail:
        """The first message that `matches`, polled until it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages() if matches(m)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                subjects = [f"{m.to}: {m.subject}" for m in self.messages()]
                raise AssertionError(f"no such mail within {timeout:.0f} s; caught: {subjects}")
            time.sleep(0.1)


@contextmanager
def mail_catcher(maildir: Path) -> Iterator[MailCatcher]:
    catcher = MailCatcher(maildir)
    catcher.controller.start()
    try:
        yield catcher
    finally:
        catcher.controller.stop()
