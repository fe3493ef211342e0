"""Quotes for a past date: priced by that day's rules, readable, never ordered; bad dates and
destinations named through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from services.orders.models import Order, Quote
from tests.orders.factories import Stack, as_buyer, today


def _counts(stack: Stack) -> tuple[int, int]:
    with Session(stack.engine) as session:
        quotes = session.scalar(select(func.count()).select_from(Quote)) or 0
        orders = session.scalar(select(func.count()).select_from(Order)) or 0
    return quotes, orders


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        # The rules of a day that has not come yet are not known: tomorrow is refused.
        ({"date": "TOMORROW"}, "date", "RULES_NOT_IN_FORCE"),
        # services/orders/data/destinations.json: DE's first row is in force from 2020-01-01.
        ({"date": "2019-12-31"}, "date", "RULES_NOT_IN_FORCE"),
        ({"date": "2025-02-30"}, "date", "BAD_USER_INPUT"),
        ({"date": "31.12.2025"}, "date", "BAD_USER_INPUT"),
        # Antarctica: a country, but no destination row and no market rules.
        ({"destination_country": "AQ", "date": "2025-03-01"}, "destinationCountry", "DESTINATION_NOT_SERVED"),
        ({"incoterm": "CPT"}, "incoterm", "BAD_USER_INPUT"),
    ],
    ids=["tomorrow", "before-the-first-rule", "no-such-day", "not-iso", "no-rules-for-AQ", "unknown-incoterm"],
)
def test_a_date_outside_the_rules_a_destination_without_rules_and_an_unknown_incoterm_are_named(
    stack: Stack, buyer: str, alternator: dict[str, Any], change: dict[str, Any], field: str, code: str
) -> None:
    if change.get("date") == "TOMORROW":
        change = {**change, "date": (today() + timedelta(days=1)).isoformat()}
    body = {
        "lines": [{"part_id": alternator["id"], "quantity": 1}],
        "destination_country": "DE",
        "incoterm": "DAP",
        "currency": "EUR",
    } | change
    response = stack.orders.post("/quotes", json=body, headers=as_buyer(buyer))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["field"], problem["code"]) == (field, code), problem
    assert response.headers["content-type"] == "application/problem+json"
    assert _counts(stack) == (0, 0)


def test_a_past_date_is_priced_by_that_days_rules_and_can_be_read_not_ordered(stack: Stack, buyer: str) -> None:
    supplier = stack.supplier()
    # TR CU 018/2011, which the EAEU market asks for alternators (a register number of its form).
    stack.certify(
        supplier, "EAC_TR_CU_018", ["alternator"], number=f"ЕАЭС KZ С-CN.АБ12.В.{uuid.uuid4().int % 100_000:05d}/24"
    )
    alternator = stack.part(supplier)
    # KZ VAT: 12 % until 2025-12-31, 16 % from 2026-01-01 (services/orders/data/import_taxes.json).
    # Two alternators (2 x (CNY 1,180 + core CNY 300) = CNY 2,960, about EUR 360) are above the EAEU
    # EUR 200 relief (de_minimis.json), so VAT is charged on both dates.
    lines = [(alternator["id"], 2)]
    then = stack.quote(buyer, lines, country="KZ", currency="EUR", incoterm="DDP", date="2025-06-30")
    now = stack.quote(buyer, lines, country="KZ", currency="EUR", incoterm="DDP")

    assert then["date"] == "2025-06-30" and then["dated"] is True
    assert now["date"] == today().isoformat() and now["dated"] is False
    taxes = {q["date"]: [r for r in q["priced_by"] if r["table"] == "import_taxes"] for q in (then, now)}
    assert [(r["says"], r["valid_from"], r["valid_to"]) for r in taxes["2025-06-30"]] == [
        ("VAT 0.12", "2020-01-01", "2025-12-31")
    ]
    assert [(r["says"], r["valid_to"]) for r in taxes[today().isoformat()]] == [("VAT 0.16", None)]
    assert all(r["source"].strip() for r in then["priced_by"])
    # Same goods, same rate of exchange (today's: we hold no history), so only the VAT differs.
    assert then["goods"] == now["goods"] and then["duty"] == now["duty"]
    assert then["vat"]["amount"] < now["vat"]["amount"]
    assert any("the exchange rate is today's" in note for note in then["notes"])
    assert not any("the exchange rate is today's" in note for note in now["notes"])

    read = stack.orders.get(f"/quotes/{then['id']}", headers=as_buyer(buyer))
    assert read.status_code == 200 and read.json()["priced_by"] == then["priced_by"]
    refused = stack.place(buyer, then["id"], expect=409)
    assert (refused["code"], refused["field"]) == ("QUOTE_DATED", "quote_id")
    assert "2025-06-30" in refused["detail"]
    assert _counts(stack) == (2, 0)
    assert stack.stock(alternator["id"])["reserved"] == 0
    # Today's quote is ordered as before.
    assert stack.place(buyer, now["id"])["order"]["quote_id"] == now["id"]
