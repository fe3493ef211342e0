"""The gateway's background work, as the worker runs it: how long identity keeps spent
credentials. The worker (ops/worker) imports this module and nothing else of the gateway but its
settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from gateway.models import PasswordReset, RefreshToken
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
