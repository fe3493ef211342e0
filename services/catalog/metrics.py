"""The catalog's business series, read from its database when Prometheus scrapes."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from sqlalchemy import Connection, func, select

from services.catalog.models import Reservation
from services.common.metrics import gauge


def business_metrics(connection: Connection) -> Iterator[Metric]:
    reservations = Reservation.__table__.c  # type: ignore[attr-defined]
    yield gauge(
        "tongnan_reservations",
        "Stock reservations by status (EXPIRED: lapsed before their order was paid)",
        ["status"],
        connection.execute(select(reservations.status, func.count()).group_by(reservations.status)),
    )
