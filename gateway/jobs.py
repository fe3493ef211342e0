"""The gateway's background work, as the worker runs it: the buyer's order mail (identity owns
the accounts it goes to, and the claims that make each event one message), and how long identity
keeps spent credentials and those claims. The worker (ops/worker) imports this module and nothing
else of the gateway but its settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from gateway.identity.models import PasswordReset, RefreshToken, SentMail
from gateway.notifications.consumer import OrderMailer
from gateway.settings import GatewaySettings
from services.common.events import Subscription
from services.common.retention import in_batches


def forget_expired_refresh_tokens(engine: Engine, cutoff: datetime) -> int:
    """Refresh tokens that expired before `cutoff`."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(RefreshToken).where(col(RefreshToken.id).in_(ids)))

    return in_batches(engine, select(col(RefreshToken.id)).where(col(RefreshToken.expires_at) < cutoff), remove)


def forget_expired_password_resets(engine: Engine, cutoff: datetime) -> int:
    """Reset links that expired before `cutoff`: used or not, they open nothing any more."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(PasswordReset).where(col(PasswordReset.id).in_(ids)))

    return in_batches(engine, select(col(PasswordReset.id)).where(col(PasswordReset.expires_at) < cutoff), remove)


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
