"""The daily rate feed: the ECB's euro reference rates (eurofxref-daily.xml), fetched by the
worker's FX job, with the bundled snapshot as the offline fallback.

The ECB publishes once a working day around 16:00 CET; the job asks more often than that so a
missed publication or a network hiccup costs an hour, not a day. Rates are stored only when
they are newer than those held, so an hourly job writes (and publishes fx.rates_updated) once a
day. When the ECB cannot be reached and nothing newer is held, the bundled snapshot is stored
with its own date and marked `offline_fallback`: quotes made on it say so, and once it is older
than `fx_refuse_after_hours` quotes are refused like any other stale rates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine

from services.common.db import session_scope
from services.orders.quotes import fx
from services.orders.quotes.service import fx_table, store_rates

log = logging.getLogger(__name__)

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "ecb_eurofxref_snapshot.xml"
SNAPSHOT_SOURCE = "bundled snapshot of the ECB euro reference rates (offline fallback)"
MAX_FEED_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FeedOutcome:
    offline_fallback: bool  # the ECB could not be reached (or sent no readable rates)
    as_of: datetime  # the date of the rates read
    stored: bool  # newer than those held: stored, and fx.rates_updated published
    error: str | None = None  # why the ECB was not used


class FeedUnavailable(Exception):
    pass


def fetch_ecb(url: str, *, timeout: float) -> fx.FxTable:
    """The ECB daily file at `url`, parsed; FeedUnavailable when it cannot be had or read."""
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise FeedUnavailable(f"{url}: {exc}") from None
    if len(response.content) > MAX_FEED_BYTES:
        raise FeedUnavailable(f"{url}: {len(response.content)} bytes is not a daily rates file")
    try:
        return fx.parse_ecb_xml(response.content)
    except fx.RatesFormatError as exc:
        raise FeedUnavailable(f"{url}: {exc}") from None


def bundled_snapshot() -> fx.FxTable:
    return fx.parse_ecb_xml(SNAPSHOT.read_bytes(), source=SNAPSHOT_SOURCE).as_offline_fallback()


def _newer_than_held(table: fx.FxTable, held: fx.FxTable) -> bool:
    new, old = table.newest_as_of, held.newest_as_of
    if new is None:
        return False
    if old is None or new > old:
        return True
    # The same day's rates from the ECB replace the same day's snapshot: the flag must go.
    held_fallback = any(r.offline_fallback for r in held.rates.values() if r.currency != fx.BASE)
    offered_fallback = any(r.offline_fallback for r in table.rates.values())
    return new == old and held_fallback and not offered_fallback


def refresh_rates(engine: Engine, url: str, *, timeout: float = 10.0) -> FeedOutcome:
    """One run of the FX job: the ECB's rates, or the snapshot, stored if newer than those held."""
    error = None
    if url:
        try:
            table = fetch_ecb(url, timeout=timeout)
        except FeedUnavailable as exc:
            error = str(exc)
    else:
        error = "no ECB rates URL configured"
    if error is not None:
        log.warning("ECB rates unavailable, using the bundled snapshot: %s", error)
        table = bundled_snapshot()
    as_of = table.newest_as_of
    assert as_of is not None  # both sources always carry rates
    with session_scope(engine) as session:
        stored = _newer_than_held(table, fx_table(session))
        if stored:
            store_rates(session, table)
    return FeedOutcome(offline_fallback=error is not None, as_of=as_of, stored=stored, error=error)
