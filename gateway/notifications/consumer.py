"""The worker's `orders-mail` consumer: the buyer's e-mail for each order event, once.

Its inbox is in the orders database (beside the other order consumers, so its dead letters
are the orders service's); the buyer's address and language are the gateway's (identity owns
accounts), and so is `sent_mails`, the claim that makes each event one message:

1. the claim row (primary key: the event id) is committed before anything is sent; a
   redelivered event, or a second worker holding it, finds the row and sends nothing;
2. the message goes out over SMTP;
3. refused by the server or not reachable: the claim is taken back and the event retried
   (1 s, 5 s, 30 s ...); after the last delivery it is a dead letter an admin can replay.

A worker killed between the claim and the server's answer leaves the claim standing: that
mail is not retried, we choose a missing mail over a doubled one. Each message's Message-ID
is derived from its event, so even a copy sent twice is recognisably one message.
"""

from __future__ import annotations

import logging
import smtplib
import uuid

import anyio
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from gateway.identity.models import Account, SentMail
from gateway.notifications.order_mail import MAIL_EVENTS, Recipient, order_message
from gateway.settings import GatewaySettings
from services.common.clock import utcnow
from services.common.events import Event, Subscription

log = logging.getLogger(__name__)

CONSUMER = "orders-mail"


class OrderMailer:
    def __init__(self, gateway_engine: Engine, settings: GatewaySettings) -> None:
        self.engine = gateway_engine
        self.settings = settings
        self.smtp = settings.smtp

    def subscription(self) -> Subscription:
        return Subscription(CONSUMER, MAIL_EVENTS, self.handle, batch=16)

    async def handle(self, event: Event) -> None:
        await anyio.to_thread.run_sync(self.deliver, event)

    def recipient(self, buyer_id: str) -> Recipient | None:
        try:
            account_id = uuid.UUID(buyer_id)
        except ValueError:
            return None
        with Session(self.engine) as session:
            account = session.get(Account, account_id)
            return Recipient(account.email, account.locale) if account is not None else None

    def deliver(self, event: Event) -> bool:
        """Send the event's mail unless it was claimed before; True when this call sent it."""
        recipient = self.recipient(str(event.data.get("buyer_id", "")))
        if recipient is None:
            log.info("%s: event %s has no buyer account to write to", CONSUMER, event.id)
            return False
        message = order_message(
            event.id,
            event.type,
            event.data,
            recipient,
            sender=self.settings.mail_from,
            shop_origin=self.settings.shop_origin,
        )
        if not self._claim(event, recipient):
            return False
        try:
            self.smtp.send(message)
        except (smtplib.SMTPException, OSError):
            self._release(event.id)
            raise
        with Session(self.engine) as session:
            session.execute(update(SentMail).where(col(SentMail.event_id) == event.id).values(sent_at=utcnow()))
            session.commit()
        return True

    def _claim(self, event: Event, recipient: Recipient) -> bool:
        try:
            with Session(self.engine) as session:
                session.add(SentMail(event_id=event.id, kind=event.type, recipient=recipient.email))
                session.commit()
        except IntegrityError:
            return False
        return True

    def _release(self, event_id: str) -> None:
        with Session(self.engine) as session:
            session.execute(delete(SentMail).where(col(SentMail.event_id) == event_id, col(SentMail.sent_at).is_(None)))
            session.commit()
