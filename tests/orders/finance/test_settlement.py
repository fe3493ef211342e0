"""Settlement: CNY payout batches per supplier for delivered lines past the hold, paid once,
with a CSV statement and a pain.001 file that validates against the published XSD."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select

from services.orders.finance import ledger, pain001
from services.orders.models import EVENTS
from tests.factories import as_supplier
from tests.orders.factories import ADMIN, INSPECTOR, Stack, as_buyer, delivered_days_ago

DEBTOR = {
    "name": "Tongnan Parts Exchange (Chongqing) Co., Ltd.",
    "account_number": "31050161393600000001",
    "bic": "PCBCCNBJCQX",
    "town": "Chongqing",
}


def test_batches_per_supplier_paid_once_with_csv_and_pain001(stack: Stack, buyer: str) -> None:
    s1, s2 = stack.supplier(), stack.supplier()
    p1, p2 = stack.part(s1, on_hand=5), stack.part(s2, on_hand=5, price_cny=99_900, core_charge_cny=0)
    due = delivered_days_ago(stack, buyer, p1, days_ago=20)
    with_core = delivered_days_ago(stack, buyer, p1, days_ago=30)
    other = delivered_days_ago(stack, buyer, p2, days_ago=15)
    recent = delivered_days_ago(stack, buyer, p1, days_ago=2)  # still inside the 14-day hold
    core = stack.orders.post(
        "/core-returns", json={"order_line_id": with_core["lines"][0]["id"]}, headers=as_buyer(buyer)
    ).json()
    stack.orders.post(f"/core-returns/{core['id']}/decision", json={"accepted": False}, headers=INSPECTOR)

    assert stack.orders.post("/settlements/run", headers=as_buyer(buyer)).status_code == 403
    run = stack.orders.post("/settlements/run", headers=ADMIN)
    assert run.status_code == 200, run.text
    batches = {b["supplier_id"]: b for b in run.json()}
    assert set(batches) == {s1, s2}
    # s1: two alternators at CNY 1,180 less 10 %, plus the rejected core's CNY 300 deposit.
    assert batches[s1]["total"] == {"amount": 2 * 106_200 + 30_000, "currency": "CNY", "formatted": "CN¥2,424.00"}
    assert batches[s1]["line_count"] == 2
    assert batches[s2]["total"]["amount"] == 99_900 - 9_990
    assert stack.orders.post("/settlements/run", headers=ADMIN).json() == []  # never paid twice
    # Each batch is told once, with what it pays whom.
    with stack.engine.connect() as connection:
        envelopes = connection.execute(select(EVENTS.outbox.c.envelope)).scalars().all()
    payouts = {e["data"]["supplier_id"]: e for e in envelopes if e["type"] == "payout.created"}
    assert set(payouts) == {s1, s2} and len([e for e in envelopes if e["type"] == "payout.created"]) == 2
    assert payouts[s1]["aggregate_id"] == batches[s1]["id"] == payouts[s1]["data"]["batch_id"]
    assert payouts[s1]["data"]["amount"] == {"amount": 2 * 106_200 + 30_000, "currency": "CNY"}
    assert payouts[s1]["data"]["line_count"] == 2

    assert stack.balance(ledger.supplier_payable(s2), "CNY") == 0
    # s1 is still owed the recent order, not yet due.
    assert stack.balance(ledger.supplier_payable(s1), "CNY") == -106_200
    assert stack.balance(ledger.BANK_CNY, "CNY") == -(batches[s1]["total"]["amount"] + batches[s2]["total"]["amount"])

    b1 = batches[s1]["id"]
    assert [b["id"] for b in stack.orders.get("/settlements", headers=as_supplier(s1)).json()] == [b1]
    assert len(stack.orders.get("/settlements", headers=ADMIN).json()) == 2
    assert stack.orders.get("/settlements", headers=as_buyer(buyer)).status_code == 403
    statement = stack.orders.get(f"/settlements/{b1}", headers=as_supplier(s1)).json()
    assert {line["order_id"] for line in statement["lines"]} == {due["id"], with_core["id"]}
    assert recent["id"] not in {line["order_id"] for line in statement["lines"]}
    assert other["id"] not in {line["order_id"] for line in statement["lines"]}
    assert stack.orders.get(f"/settlements/{b1}", headers=as_supplier(s2)).status_code == 404

    response = stack.orders.get(f"/settlements/{b1}/statement.csv", headers=as_supplier(s1))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert sum(Decimal(r["payable_cny"]) for r in rows) == Decimal("2424.00")

    creditors: dict[str, dict[str, str]] = {
        s1: {"name": "重庆潼南测试再制造有限公司", "account_number": "3100021609024000123", "cnaps": "102653000011"},
        s2: {"name": "Chongqing Tongnan Test Reman 2", "account_number": "1234567890123", "bic": "ICBKCNBJCQG"},
    }
    body: dict[str, Any] = {"batch_ids": [b1, batches[s2]["id"]], "debtor": DEBTOR, "creditors": creditors}
    xml = stack.orders.post("/settlements/pain001", json=body, headers=ADMIN)
    assert xml.status_code == 200, xml.text
    pain001.validate_pain001(xml.content)
    root = etree.fromstring(xml.content)
    ns = {"p": pain001.NAMESPACE}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "3323.10"

    missing = stack.orders.post("/settlements/pain001", json={**body, "creditors": {}}, headers=ADMIN)
    assert missing.status_code == 422 and missing.json()["field"] == "creditors"
    bad_bank = dict(body, creditors={**creditors, s1: {"name": "x", "account_number": "3100021609024000123"}})
    refused = stack.orders.post("/settlements/pain001", json=bad_bank, headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["code"] == "SETTLEMENT_FILE_INVALID"
    assert stack.orders.post("/settlements/pain001", json=body, headers=as_supplier(s1)).status_code == 403


def test_statement_csv_opens_in_a_spreadsheet_as_text_not_formulas(stack: Stack, buyer: str) -> None:
    supplier = stack.supplier()
    link = '=HYPERLINK("http://evil.example/pay","Click to claim")'
    total = "@SUM(A1:A99)"
    as_link = stack.part(supplier, sku=link[:64], title_en="+cmd|' /C calc'!A0 remanufactured alternator")
    as_sum = stack.part(supplier, sku=total, title_en=link)
    delivered_days_ago(stack, buyer, as_link, days_ago=20)
    delivered_days_ago(stack, buyer, as_sum, days_ago=20)
    [batch] = stack.orders.post("/settlements/run", headers=ADMIN).json()

    response = stack.orders.get(f"/settlements/{batch['id']}/statement.csv", headers=as_supplier(supplier))
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_sku = {row["sku"]: row for row in rows}
    assert set(by_sku) == {"'" + link[:64], "'" + total}
    assert by_sku["'" + total]["title"] == "'" + link
    assert by_sku["'" + link[:64]]["title"] == "'+cmd|' /C calc'!A0 remanufactured alternator"
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row
    assert sum(Decimal(r["payable_cny"]) for r in rows) == Decimal(batch["total"]["amount"]) / 100
