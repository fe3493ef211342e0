"""Notifications' background work, as the worker runs it: the buyer's order mail and how long
its claims are kept. The worker (ops/worker) imports this module and nothing else of
notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from gateway.models import SentMail
from gateway.settings import GatewaySettings
from services.common.events import Subscription
from services.common.retention import in_batches
from services.notifications.consumer import OrderMailer


def order_mail(gateway_engine: Engine, settings: GatewaySettings) -> Subscription:
    """The buyer's e-mail for each order placed, paid, shipped, delivered and refunded."""
    return OrderMailer(gateway_engine, settings).subscription()


def forget_sent_mails(gateway_engine: Engine, cutoff: datetime) -> int:
    """Claims of mails sent before `cutoff`: kept as long as the inbox rows, so that no
    redelivery of their event can find them gone."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(SentMail).where(col(SentMail.event_id).in_(ids)))

    pick = select(col(SentMail.event_id)).where(col(SentMail.claimed_at) < cutoff)
    return in_batches(gateway_engine, pick, remove)
