"""Quotes and placeOrder: idempotency without Stripe's help, bad input as clear 4xx with nothing
half-written, eligibility, stale rates, expiry, other buyers' quotes."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

import services.orders
from services.common.clock import utcnow
from services.orders.models import Order, Quote
from tests.orders.factories import SYSTEM, Stack, as_buyer, fx_document


def _counts(stack: Stack) -> tuple[int, int]:
    with Session(stack.engine) as session:
        quotes = session.scalar(select(func.count()).select_from(Quote)) or 0
        orders = session.scalar(select(func.count()).select_from(Order)) or 0
    return quotes, orders


def _intents_for(stack: Stack, order_id: str) -> int:
    intents = stack.stripe.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    return sum(1 for pi in intents if pi.to_dict()["metadata"].get("order_id") == order_id)


def test_the_same_key_twice_returns_the_same_order_and_intent(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 1)])
    first = stack.place(buyer, quote["id"], key="retry-key-000001")
    second = stack.place(buyer, quote["id"], key="retry-key-000001", expect=200)
    assert second["order"]["id"] == first["order"]["id"]
    assert second["client_secret"] == first["client_secret"]
    assert second["order"]["payment_intent_id"] == first["order"]["payment_intent_id"]
    assert stack.stock(alternator["id"])["reserved"] == 1
    assert _intents_for(stack, first["order"]["id"]) == 1
    assert _counts(stack) == (1, 1)


def test_the_same_key_sent_concurrently_places_one_order(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    body = {"quote_id": quote["id"], "idempotency_key": "double-click-00001"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: stack.orders.post("/orders", json=body, headers=as_buyer(buyer)), range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["order"]["id"] for r in responses}) == 1
    assert len({r.json()["client_secret"] for r in responses}) == 1
    assert stack.stock(alternator["id"])["reserved"] == 2
    assert _intents_for(stack, responses[0].json()["order"]["id"]) == 1


def test_a_key_reused_for_another_quote_and_a_quote_ordered_twice_conflict(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    q1 = stack.quote(buyer, [(alternator["id"], 1)])
    q2 = stack.quote(buyer, [(alternator["id"], 1)])
    stack.place(buyer, q1["id"], key="key-for-quote-one")
    reused = stack.place(buyer, q2["id"], key="key-for-quote-one", expect=409)
    assert reused["field"] == "idempotency_key"
    twice = stack.place(buyer, q1["id"], key="another-key-000001", expect=409)
    assert twice["code"] == "QUOTE_ALREADY_ORDERED"
    assert stack.stock(alternator["id"])["reserved"] == 1


def test_more_than_in_stock_is_refused_and_nothing_is_reserved(stack: Stack, buyer: str) -> None:
    supplier = stack.supplier()
    scarce = stack.part(supplier, on_hand=1)
    plenty = stack.part(supplier, on_hand=10)
    q1 = stack.quote(buyer, [(scarce["id"], 1)])
    q2 = stack.quote("acct-other-buyer", [(plenty["id"], 3), (scarce["id"], 1)])
    stack.place(buyer, q1["id"])
    refused = stack.place("acct-other-buyer", q2["id"], expect=409)
    assert refused["code"] == "OUT_OF_STOCK"
    assert stack.stock(plenty["id"])["reserved"] == 0  # all or nothing
    assert _counts(stack) == (2, 1)
    too_many = stack.quote(buyer, [(scarce["id"], 1)], expect=422)
    assert too_many["field"] == "lines.0.quantity"


def test_quote_ddp_dap_and_currencies_with_0_2_and_3_minor_units(stack: Stack, buyer: str) -> None:
    part = stack.part(stack.supplier())
    ddp = stack.quote(buyer, [(part["id"], 1)], incoterm="DDP", currency="EUR")
    dap = stack.quote(buyer, [(part["id"], 1)], incoterm="DAP", currency="EUR")
    assert ddp["duty_status"] == "collected" and dap["duty_status"] == "estimated"
    assert dap["total"]["amount"] == ddp["total"]["amount"] - ddp["duty"]["amount"] - ddp["vat"]["amount"]
    jpy = stack.quote(buyer, [(part["id"], 1)], country="JP", currency="JPY")
    kwd = stack.quote(buyer, [(part["id"], 1)], country="KW", currency="KWD")
    # CNY 1,180.00: about JPY 25,700 (no minor unit) and KWD 51.6 (three minor units).
    assert 25_000 < jpy["goods"]["amount"] < 26_500 and jpy["goods"]["formatted"].startswith("¥")
    assert 50_000 < kwd["goods"]["amount"] < 53_000
    for q in (ddp, dap, jpy, kwd):
        assert q["total"]["amount"] == sum(line["total"]["amount"] for line in q["lines"])
        assert q["expires_at"] > q["created_at"] and not q["expired"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"currency": "XYZ"}, "currency", "BAD_USER_INPUT"),
        ({"currency": "CHF"}, "currency", "BAD_USER_INPUT"),  # ISO 4217, but we hold no rate
        ({"destination_country": "XX"}, "destination_country", "BAD_USER_INPUT"),
        ({"destination_country": "AQ"}, "destinationCountry", "DESTINATION_NOT_SERVED"),
        ({"incoterm": "DAT"}, "incoterm", "BAD_USER_INPUT"),  # Incoterms 2010, replaced by DPU
        ({"incoterm": "EXW"}, "incoterm", "INCOTERM_NOT_OFFERED"),  # the buyer cannot clear export in China
        ({"lines": [{"part_id": "PART", "quantity": 0}]}, "lines.0.quantity", "BAD_USER_INPUT"),
        ({"lines": [{"part_id": "PART", "quantity": 10**9}]}, "lines.0.quantity", "BAD_USER_INPUT"),
        ({"lines": []}, "lines", "BAD_USER_INPUT"),
        ({"lines": [{"part_id": "not-a-uuid", "quantity": 1}]}, "lines.0.part_id", "BAD_USER_INPUT"),
        ({"shipping_service": "teleport"}, "shippingService", "BAD_USER_INPUT"),
        ({"surprise": True}, "surprise", "BAD_USER_INPUT"),
    ],
)
def test_bad_quote_input_is_a_clear_4xx_and_writes_nothing(
    stack: Stack, buyer: str, alternator: dict[str, Any], change: dict[str, Any], field: str, code: str
) -> None:
    body: dict[str, Any] = {
        "lines": [{"part_id": alternator["id"], "quantity": 1}],
        "destination_country": "DE",
        "incoterm": "DDP",
        "currency": "EUR",
    } | change
    body["lines"] = [
        dict(line, part_id=alternator["id"]) if line["part_id"] == "PART" else line for line in body["lines"]
    ]
    response = stack.orders.post("/quotes", json=body, headers=as_buyer(buyer))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == field and problem["code"] == code
    assert response.headers["content-type"] == "application/problem+json"
    assert _counts(stack) == (0, 0)


def test_unknown_part_and_malformed_json(stack: Stack, buyer: str) -> None:
    missing = stack.quote(buyer, [("00000000-0000-4000-8000-000000000000", 1)], expect=404)
    assert missing["field"] == "lines.0.part_id"
    broken = stack.orders.post(
        "/quotes", content=b"{not json", headers={**as_buyer(buyer), "Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert _counts(stack) == (0, 0)


def test_a_part_not_certified_for_the_destination_is_refused_naming_the_missing_schemes(
    stack: Stack, buyer: str
) -> None:
    pads = stack.part(stack.supplier(), category="brake_pads", title_en="Brake pads, front axle")
    refused = stack.quote(buyer, [(pads["id"], 1)], country="DE", expect=422)
    assert refused["code"] == "PART_NOT_ELIGIBLE" and refused["missing_schemes"] == ["ECE_R90"]
    assert "ECE_R90" in refused["detail"] and refused["field"] == "lines.0.part_id"
    uncertified = stack.part(stack.supplier(certified=False))
    refused = stack.quote(buyer, [(uncertified["id"], 1)], country="DE", expect=422)
    assert refused["missing_schemes"] == ["ISO_9001"]
    assert _counts(stack) == (0, 0)


def test_stale_rates_refuse_quotes_until_refreshed(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    old = fx_document(as_of=(utcnow() - timedelta(days=10)).isoformat())
    headers = {**SYSTEM, "Content-Type": "application/json"}
    assert stack.orders.put("/fx/rates", content=json.dumps(old), headers=headers).status_code == 200
    stale = stack.quote(buyer, [(alternator["id"], 1)], expect=503)
    assert stale["code"] == "FX_RATES_STALE"
    assert stack.orders.put("/fx/rates", content=json.dumps(fx_document()), headers=headers).status_code == 200
    stack.quote(buyer, [(alternator["id"], 1)])
    refused = stack.orders.put("/fx/rates", content=json.dumps(old), headers={**headers, **as_buyer(buyer)})
    assert refused.status_code == 403
    bad = stack.orders.put("/fx/rates", content=b'{"rates": {"EUR": 0.12}}', headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "body"


def test_ecb_xml_import(stack: Stack) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"'
        ' xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time="2026-11-25">'
        '<Cube currency="USD" rate="1.1563"/><Cube currency="JPY" rate="176.62"/><Cube currency="CNY" rate="8.2311"/>'
        "</Cube></Cube></gesmes:Envelope>"
    )
    response = stack.orders.put("/fx/rates", content=xml, headers={**SYSTEM, "Content-Type": "application/xml"})
    assert response.status_code == 200, response.text
    rates = {r["currency"]: r["per_cny"] for r in stack.orders.get("/fx/rates", headers=SYSTEM).json()}
    assert rates["USD"] == "0.140479401295"  # 1.1563 / 8.2311, 12 significant digits
    assert rates["EUR"].startswith("0.12149")


def test_expired_quotes_and_other_buyers_quotes_are_refused(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 1)])
    stranger = stack.place("acct-someone-else", quote["id"], expect=404)
    assert stranger["field"] == "quote_id"
    assert stack.orders.get(f"/quotes/{quote['id']}", headers=as_buyer("acct-someone-else")).status_code == 404
    with Session(stack.engine) as session:
        session.execute(update(Quote).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    expired = stack.place(buyer, quote["id"], expect=409)
    assert expired["code"] == "QUOTE_EXPIRED"
    assert stack.orders.get(f"/quotes/{quote['id']}", headers=as_buyer(buyer)).json()["expired"] is True
    assert _counts(stack) == (1, 0)
    assert stack.stock(alternator["id"])["reserved"] == 0


def test_only_buyers_quote_and_order(stack: Stack, alternator: dict[str, Any]) -> None:
    from tests.factories import as_supplier

    body = {
        "lines": [{"part_id": alternator["id"], "quantity": 1}],
        "destination_country": "DE",
        "incoterm": "DDP",
        "currency": "EUR",
    }
    response = stack.orders.post("/quotes", json=body, headers=as_supplier(alternator["supplier_id"]))
    assert response.status_code == 403


def test_demo_rates_load_once_and_quote(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    from seed import orders as demo
    from services.orders.models import FxRateRow

    with Session(stack.engine) as session:
        session.execute(delete(FxRateRow))
        session.commit()
    # 21 of the ECB, AED, SAR and QAR derived from its USD rate, KWD and VND of a bank.
    assert demo.load_if_empty(stack.engine) == "loaded 26 exchange rates against CNY"
    assert demo.load_if_empty(stack.engine) is None
    quote = stack.quote(buyer, [(alternator["id"], 1)], country="GB", currency="GBP")
    assert quote["fx_source"] == demo.SOURCE
    # Every currency the bundled customs and shipping rules name an amount in has a rate, so a
    # quote to any destination converts its thresholds (a cart to Malaysia needs MYR).
    named = {
        match
        for path in (Path(services.orders.__file__).parent / "data").glob("*.json")
        for match in re.findall(r'"currency": *"([A-Z]{3})"', path.read_text(encoding="utf-8"))
    }
    assert {"MYR", "VND", "KWD", "QAR"} <= named
    assert named <= set(demo.demo_rates(utcnow()).currencies)
    # Buyers there may pay in their own currency: the ECB's, a peg's and a bank's.
    for country, currency in (("NZ", "NZD"), ("MX", "MXN"), ("TH", "THB"), ("QA", "QAR"), ("KW", "KWD")):
        quote = stack.quote(buyer, [(alternator["id"], 1)], country=country, currency=currency)
        assert quote["total"]["currency"] == currency and quote["total"]["amount"] > 0, country


def test_display_conversions_use_the_rate_a_quote_would_lock(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    body = {"items": [{"amount_cny": 118000, "currency": "EUR"}, {"amount_cny": 118000, "currency": "JPY"}]}
    converted = stack.orders.post("/fx/conversions", json=body, headers=as_buyer(buyer))
    assert converted.status_code == 200, converted.text
    eur, jpy = converted.json()["items"]
    quote = stack.quote(buyer, [(alternator["id"], 1)], incoterm="FCA")
    assert eur["amount"] == quote["goods"]["amount"] and jpy["currency"] == "JPY"
    bad = stack.orders.post(
        "/fx/conversions", json={"items": [{"amount_cny": 1, "currency": "XYZ"}]}, headers=as_buyer(buyer)
    )
    assert bad.status_code == 422 and bad.json()["field"] == "items.0.currency"
