"""Order numbers people can read out on the phone: `TN-2026-000123`, the year and a sequence.

One counter row per year. Allocation inserts the year's row, or increments it when another
transaction already did, in one statement: it takes the row's lock, so concurrent checkouts are
given numbers one after another on PostgreSQL, and SQLite writes one transaction at a time
anyway. placeOrder commits its number at once, so the lock is held for that one statement, not
for the writing of its order. A checkout that fails after its number was committed leaves a
gap: numbers are unique and increasing within a year, not gapless.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from services.orders.models import OrderNumberCounter

PREFIX = "TN"
PATTERN = re.compile(r"^TN-(\d{4})-(\d{6,})$")


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year:04d}-{sequence:06d}"


def normalise(text: str) -> str | None:
    """A number as a buyer may type it (`tn-2026-123`, spaces around) in its stored form, or
    None when it cannot be an order number."""
    cleaned = text.strip().upper()
    match = re.fullmatch(r"TN-?(\d{4})-?(\d{1,9})", cleaned)
    if match is None:
        return None
    return format_number(int(match.group(1)), int(match.group(2)))


def allocate(session: Session, at: datetime) -> str:
    """The next number of `at`'s year, in the caller's transaction (rolled back with it): one
    statement, which inserts the year's row at 1 or increments it, taking the row's lock."""
    year = at.year
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(OrderNumberCounter).values(year=year, last=1)
    last = session.scalars(
        upsert.on_conflict_do_update(
            index_elements=["year"], set_={"last": col(OrderNumberCounter.last) + 1}
        ).returning(col(OrderNumberCounter.last))
    ).one()
    return format_number(year, last)
