"""The worker's FX job: the ECB's daily rates over real HTTP, the bundled snapshot when the ECB
cannot be reached, and quotes that keep working on late rates until the hard limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import Session

from services.common.clock import travel, utcnow
from services.orders.models import EVENTS, FxRateRow
from services.orders.quotes import fx, fx_feed
from services.orders.quotes.service import store_rates
from tests.databases import Databases
from tests.ops.worker.helpers import registered, run_until_ticks, wait_for_runs, worker_context, worker_running
from tests.orders.factories import SYSTEM, Stack, orders_settings

# Units per 1 EUR, as the ECB's file gives them.
PER_EUR = {"USD": "1.1563", "JPY": "176.62", "GBP": "0.8793", "CNY": "8.2311"}
UNREACHABLE = "http://127.0.0.1:9/stats/eurofxref/eurofxref-daily.xml"


def ecb_document(day: date, per_eur: dict[str, str] = PER_EUR) -> bytes:
    cubes = "".join(f"<Cube currency='{code}' rate='{rate}'/>" for code, rate in per_eur.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        "<gesmes:subject>Reference rates</gesmes:subject>"
        f"<Cube><Cube time='{day.isoformat()}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    ).encode()


class EcbServer:
    """The ECB's eurofxref-daily.xml, served over HTTP on a free loopback port; `status` other
    than 200 plays the ECB being down."""

    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                self.send_response(server.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/stats/eurofxref/eurofxref-daily.xml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, day: date) -> None:
        self.body, self.status = ecb_document(day), 200

    def go_down(self) -> None:
        self.body, self.status = b"<html>Service Unavailable</html>", 503


@pytest.fixture
def ecb() -> Iterator[EcbServer]:
    server = EcbServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def held_rates(stack: Stack) -> dict[str, dict[str, Any]]:
    response = stack.orders.get("/fx/rates", headers=SYSTEM)
    assert response.status_code == 200, response.text
    return {r["currency"]: r for r in response.json()}


def rate_events(stack: Stack) -> list[dict[str, Any]]:
    with Session(stack.engine) as session:
        envelopes = session.scalars(select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq))
        return [e for e in envelopes if e["type"] == "fx.rates_updated"]


def forget_rates(stack: Stack) -> None:
    with Session(stack.engine) as session:
        session.execute(delete(FxRateRow))
        session.execute(delete(EVENTS.outbox))
        session.commit()


def as_of_day(rate: dict[str, Any]) -> date:
    return datetime.fromisoformat(rate["as_of"]).date()


def test_the_fx_job_imports_the_ecb_daily_rates_with_their_date_once(
    stack: Stack, databases: Databases, ecb: EcbServer, nats_url: str, buyer: str, alternator: dict[str, Any]
) -> None:
    forget_rates(stack)
    yesterday = utcnow().date() - timedelta(days=1)
    ecb.serve(yesterday)
    context = worker_context(
        databases, nats_url, orders=orders_settings(stack, databases), ecb_rates_url=ecb.url, fx_import_every_seconds=1
    )
    run_until_ticks(context, registered(context, "fx_import"), 1)

    rates = held_rates(stack)
    # AED, SAR and QAR come with the day's USD rate: the ECB publishes none (all are pegged to USD).
    assert sorted(rates) == ["AED", "EUR", "GBP", "JPY", "QAR", "SAR", "USD"]
    assert rates["USD"]["per_cny"] == "0.140479401295"  # 1.1563 / 8.2311, 12 significant digits
    assert rates["AED"]["per_cny"] == "0.515910601256"  # 0.140479401295 * 3.6725
    assert "pegged at 3.6725 per USD" in rates["AED"]["source"] and fx.ECB_SOURCE in rates["AED"]["source"]
    assert {as_of_day(r) for r in rates.values()} == {yesterday}
    assert not any(r["offline_fallback"] for r in rates.values())
    assert rates["USD"]["source"] == fx.ECB_SOURCE
    (event,) = rate_events(stack)
    assert event["data"]["offline_fallback"] is False
    assert event["data"]["rates"]["USD"] == "0.140479401295"
    assert datetime.fromisoformat(event["data"]["as_of"]).date() == yesterday

    # The job runs hourly, the ECB publishes daily: the same file again stores and publishes nothing.
    again = fx_feed.refresh_rates(stack.engine, ecb.url)
    assert (again.stored, again.offline_fallback) == (False, False)
    assert len(rate_events(stack)) == 1
    quote = stack.quote(buyer, [(alternator["id"], 1)], currency="USD")
    assert (quote["fx_stale"], quote["fx_offline_fallback"]) == (False, False)
    assert datetime.fromisoformat(quote["fx_as_of"]).date() == yesterday


def test_without_the_ecb_the_bundled_snapshot_is_loaded_and_says_it_is_the_offline_fallback(
    stack: Stack, ecb: EcbServer, buyer: str
) -> None:
    forget_rates(stack)
    snapshot_day = fx_feed.bundled_snapshot().newest_as_of
    assert snapshot_day is not None
    # Two days after the snapshot's rates were published: within every limit, so quotes work.
    with travel(snapshot_day + timedelta(days=2) - utcnow()):
        part = stack.part(stack.supplier())
        outcome = fx_feed.refresh_rates(stack.engine, UNREACHABLE, timeout=2)
        assert (outcome.stored, outcome.offline_fallback) == (True, True)
        assert outcome.error is not None and "127.0.0.1:9" in outcome.error
        rates = held_rates(stack)
        assert rates and all(r["offline_fallback"] for r in rates.values())
        assert {as_of_day(r) for r in rates.values()} == {snapshot_day.date()}
        (event,) = rate_events(stack)
        assert event["data"]["offline_fallback"] is True
        quote = stack.quote(buyer, [(part["id"], 1)])
        assert quote["fx_offline_fallback"] is True and quote["fx_stale"] is False
        assert any("offline snapshot" in note for note in quote["notes"])

        # The ECB answers again with the same day's rates: they replace the snapshot's, flag and all.
        ecb.serve(snapshot_day.date())
        outcome = fx_feed.refresh_rates(stack.engine, ecb.url)
        assert (outcome.stored, outcome.offline_fallback) == (True, False)
        from_ecb = {"EUR", "USD", "JPY", "GBP", "AED", "SAR", "QAR"}  # the others are still the snapshot's, and say so
        assert {code for code, r in held_rates(stack).items() if not r["offline_fallback"]} == from_ecb
        # ...and the ECB gone again does not put the older-or-equal snapshot back.
        outcome = fx_feed.refresh_rates(stack.engine, UNREACHABLE, timeout=2)
        assert (outcome.stored, outcome.offline_fallback) == (False, True)
        assert {code for code, r in held_rates(stack).items() if not r["offline_fallback"]} == from_ecb
        assert len(rate_events(stack)) == 2


def test_stale_rates_are_quoted_flagged_and_counted_and_refused_only_past_the_hard_limit(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    # OrdersSettings' defaults: flagged after 72 hours, refused after 7 days.
    four_days_old = utcnow() - timedelta(days=4)
    forget_rates(stack)
    with Session(stack.engine) as session:
        fx_rates = fx.parse_json_rates(
            f'{{"source": "late feed", "asOf": "{four_days_old.isoformat()}", "rates": {{"EUR": "0.1215"}}}}'
        )
        store_rates(session, fx_rates)
        session.commit()
    counted = fx.stale_rate_quotes.value
    quote = stack.quote(buyer, [(alternator["id"], 1)])
    assert quote["fx_stale"] is True and quote["fx_offline_fallback"] is False
    assert datetime.fromisoformat(quote["fx_as_of"]) == four_days_old
    assert any(f"exchange rates of {four_days_old.date().isoformat()} are out of date" in n for n in quote["notes"])
    assert fx.stale_rate_quotes.value == counted + 1

    with travel(timedelta(days=3, hours=1)):  # the rates are now 7 days and an hour old
        refused = stack.quote(buyer, [(alternator["id"], 1)], expect=503)
    assert refused["code"] == "FX_RATES_STALE" and refused["field"] == "currency"
    assert fx.stale_rate_quotes.value == counted + 1


def test_a_week_later_the_fx_job_keeps_quotes_working_until_the_feed_has_been_down_past_the_limit(
    stack: Stack, databases: Databases, ecb: EcbServer, nats_url: str, buyer: str, alternator: dict[str, Any]
) -> None:
    context = worker_context(
        databases,
        nats_url,
        orders=orders_settings(stack, databases),
        ecb_rates_url=ecb.url,
        ecb_timeout_seconds=2,
        fx_import_every_seconds=1,
    )
    with worker_running(context, registered(context, "fx_import")) as worker:
        assert worker.clock is not None

        def next_tick() -> None:
            # Two runs: the first may have begun before the clock moved.
            assert worker.clock is not None
            wait_for_runs(worker, "fx_import", worker.clock.runs["fx_import"] + 2)

        stack.quote(buyer, [(alternator["id"], 1)])  # today's rates
        with travel(timedelta(days=7)):
            # The ECB published yesterday (in the moved clock's days); the job's next tick has it.
            ecb.serve(utcnow().date() - timedelta(days=1))
            next_tick()
            quote = stack.quote(buyer, [(alternator["id"], 1)])
            assert quote["fx_stale"] is False
            assert datetime.fromisoformat(quote["fx_as_of"]).date() == utcnow().date() - timedelta(days=1)

            ecb.go_down()
        with travel(timedelta(days=7 + 4)):  # the feed down four days: quoted, flagged stale
            next_tick()
            quote = stack.quote(buyer, [(alternator["id"], 1)])
            assert quote["fx_stale"] is True and quote["fx_offline_fallback"] is False
        with travel(timedelta(days=7 + 8)):  # down eight days: past the hard limit
            next_tick()
            refused = stack.quote(buyer, [(alternator["id"], 1)], expect=503)
            assert refused["code"] == "FX_RATES_STALE"

            # A deployment that never reached the ECB holds only the bundled snapshot, by now
            # older than the limit too: refused the same way, and the operator sees why.
            forget_rates(stack)
            next_tick()
            assert all(r["offline_fallback"] for r in held_rates(stack).values())
            refused = stack.quote(buyer, [(alternator["id"], 1)], expect=503)
            assert refused["code"] == "FX_RATES_STALE"
    assert ecb.requests >= 4
    with Session(stack.engine) as session:
        assert session.scalar(select(func.count()).select_from(FxRateRow))
