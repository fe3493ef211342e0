"""Order numbers people can read out on the phone: `TN-2026-000123`, the year and a sequence.

One counter row per year. Allocation inserts the year's row when it is missing (doing nothing
when another transaction already did) and then increments it: the UPDATE takes the row's lock,
so concurrent checkouts are given numbers one after another on PostgreSQL, and SQLite writes
one transaction at a time anyway. The lock is held until the placing transaction commits,
which is the short first step of the checkout saga. A checkout that fails after its number was
committed leaves a gap: numbers are unique and increasing within a year, not gapless.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

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
    """The next number of `at`'s year, in the caller's transaction (rolled back with it)."""
    year = at.year
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(OrderNumberCounter).values(year=year, last=0).on_conflict_do_nothing(index_elements=["year"])
    )
    session.execute(
        update(OrderNumberCounter)
        .where(OrderNumberCounter.year == year)  # type: ignore[arg-type]
        .values(last=OrderNumberCounter.last + 1)
    )
    last = session.scalars(select(OrderNumberCounter.last).where(OrderNumberCounter.year == year)).one()
    return format_number(year, last)
