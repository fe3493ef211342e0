"""Payouts through the public API, against the real services: a supplier's bank account checked
field by field, finance's pain.001 export paying statements to the stored accounts, and the
bank's pain.002 and camt.054 status reports moving them to PAID or FAILED, once."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from marketplace.roles import AccountRole
from services.common.clock import utcnow
from services.orders.models import OrderLine
from tests.factories import as_supplier
from tests.gateway.factories import Gateway, gid
from tests.orders.factories import SYSTEM, Stack, paid_order
from tests.orders.finance.bank_reports import camt054, pain002, transfers_in

ACCOUNT = {
    "bankName": "中国工商银行重庆分行",
    "accountName": "重庆福星汽配有限公司",
    "accountNumber": "3100 0211 0900 1234 567",
    "cnapsCode": "102653000013",
    "bic": "icbkcnbjcqg",
}
SET_ACCOUNT = """
mutation ($input: BankAccountInput!) {
  setBankAccount(input: $input) { bankName accountName accountNumberMasked cnapsCode bic since }
}"""
MY_ACCOUNT = "query ($id: ID!) { node(id: $id) { ... on Supplier { bankAccount { accountNumberMasked bankName } } } }"
RUN = "mutation { runSettlement { id payoutStatus total { amount } supplier { id } } }"
EXPORT = """
mutation ($ids: [ID!]!) {
  exportPayouts(batchIds: $ids) { messageId executionDate payoutCount filename xml total { amount currency } }
}"""
IMPORT = """
mutation ($file: Upload!) {
  importBankStatusReport(file: $file) {
    kind messageId alreadyImported
    entries { endToEndId outcome bankStatus reasonCode reasonText statement { id payoutStatus } }
  }
}"""
STATEMENTS = """
query { settlements(first: 20) { edges { node {
  id payoutStatus payout { endToEndId status reasonCode reasonText accountNumberMasked bankName settledAt }
} } } }"""


def _codes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in result.get("errors", [])]


def settleable_order(stack: Stack, part: dict[str, Any], buyer: str = "acct-buyer-payouts") -> dict[str, Any]:
    """An order whose line may be settled today: paid, shipped, delivered three weeks ago.

    The one place that knows how an order becomes delivered (the carrier's report, as the
    scheduler sends it), so a change of that path is made here only."""
    order = paid_order(stack, buyer, part, 1)
    ship = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}
    shipped = stack.orders.post(f"/orders/{order['id']}/ship", json=ship, headers=as_supplier(part["supplier_id"]))
    assert shipped.status_code == 200, shipped.text
    delivered = stack.orders.post(f"/orders/{order['id']}/deliver", headers=SYSTEM)
    assert delivered.status_code == 200, delivered.text
    with Session(stack.engine) as session:
        session.execute(
            update(OrderLine)
            .where(col(OrderLine.order_id) == uuid.UUID(order["id"]))
            .values(delivered_at=utcnow() - timedelta(days=21))
        )
        session.commit()
    return order


def _import(gw: Gateway, content: bytes, token: str) -> Any:
    operations = {"query": IMPORT, "variables": {"file": None}}
    response = gw.gql.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("report.xml", content, "application/xml")},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("bankName", "  ", "REQUIRED"),
        ("bankName", "中国银行\x00", "INVALID"),
        ("accountName", "", "REQUIRED"),
        ("accountName", "名" * 141, "TOO_LONG"),
        ("accountNumber", "6222-02AB-1234", "ACCOUNT_NUMBER_INVALID"),
        ("accountNumber", "1234567", "ACCOUNT_NUMBER_INVALID"),
        ("cnapsCode", "10265300001", "CNAPS_CODE_INVALID"),
        ("cnapsCode", "10265300001X", "CNAPS_CODE_INVALID"),
        ("bic", "DEUTDEFF", "BIC_INVALID"),
    ],
)
def test_a_bank_account_is_refused_on_the_field_that_is_wrong(
    orders_stack: Stack,
    gateway: Gateway,
    field: str,
    value: str,
    reason: str,
) -> None:
    supplier = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())
    result = gateway.gql(SET_ACCOUNT, {"input": {**ACCOUNT, field: value}}, token=supplier)
    assert _codes(result) == [("BAD_USER_INPUT", f"input.{field}")]
    assert result["errors"][0]["extensions"]["reason"] == reason


def test_a_supplier_keeps_its_account_with_history_and_only_it_and_admins_read_it(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    node = gid("Supplier", supplier_id)
    assert gateway.ok(MY_ACCOUNT, {"id": node}, token=supplier)["node"]["bankAccount"] is None

    saved = gateway.ok(SET_ACCOUNT, {"input": ACCOUNT}, token=supplier)["setBankAccount"]
    assert saved["accountNumberMasked"] == "•••• 4567"
    assert saved["cnapsCode"] == "102653000013" and saved["bic"] == "ICBKCNBJCQG"
    again = gateway.ok(SET_ACCOUNT, {"input": ACCOUNT}, token=supplier)["setBankAccount"]
    assert again["since"] == saved["since"]  # the same details again add nothing

    admin = gateway.account(AccountRole.ADMIN)
    seen = gateway.ok(MY_ACCOUNT, {"id": node}, token=admin)["node"]["bankAccount"]
    assert seen == {"accountNumberMasked": "•••• 4567", "bankName": ACCOUNT["bankName"]}
    other = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())
    assert gateway.ok(MY_ACCOUNT, {"id": node}, token=other)["node"]["bankAccount"] is None
    buyer = gateway.account(AccountRole.BUYER)
    assert gateway.ok(MY_ACCOUNT, {"id": node}, token=buyer)["node"]["bankAccount"] is None
    # Only a supplier gives an account, and only its own.
    assert _codes(gateway.gql(SET_ACCOUNT, {"input": ACCOUNT}, token=admin)) == [("FORBIDDEN", None)]

    changed = gateway.ok(SET_ACCOUNT, {"input": {**ACCOUNT, "accountNumber": "6222020000009999"}}, token=supplier)
    assert changed["setBankAccount"]["accountNumberMasked"] == "•••• 9999"
    assert gateway.ok(MY_ACCOUNT, {"id": node}, token=supplier)["node"]["bankAccount"]["accountNumberMasked"] == (
        "•••• 9999"
    )


def test_export_is_refused_for_a_supplier_without_a_bank_account(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    settleable_order(orders_stack, orders_stack.part(supplier_id, on_hand=3))
    admin = gateway.account(AccountRole.ADMIN)
    [statement] = [
        s for s in gateway.ok(RUN, token=admin)["runSettlement"] if s["supplier"]["id"] == gid("Supplier", supplier_id)
    ]
    assert statement["payoutStatus"] == "CREATED"

    refused = gateway.gql(EXPORT, {"ids": [statement["id"]]}, token=admin)
    assert _codes(refused) == [("BAD_USER_INPUT", "batchIds.0")]
    assert supplier_id in refused["errors"][0]["message"]
    assert refused["errors"][0]["extensions"]["reason"] == "NO_BANK_ACCOUNT"
    # Nothing was sent; and only finance exports.
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    assert _codes(gateway.gql(EXPORT, {"ids": [statement["id"]]}, token=supplier)) == [("FORBIDDEN", None)]
    assert _codes(gateway.gql(RUN, token=supplier)) == [("FORBIDDEN", None)]
    states = {
        e["node"]["id"]: e["node"]["payoutStatus"]
        for e in gateway.ok(STATEMENTS, token=supplier)["settlements"]["edges"]
    }
    assert states == {statement["id"]: "CREATED"}


def test_pain002_and_camt054_move_payouts_to_paid_or_failed_once(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    suppliers = [orders_stack.supplier() for _ in range(3)]
    tokens = {s: gateway.account(AccountRole.SUPPLIER, s) for s in suppliers}
    numbers = {}
    for i, s in enumerate(suppliers):
        numbers[s] = f"62220200000{i}1234"
        gateway.ok(SET_ACCOUNT, {"input": {**ACCOUNT, "accountNumber": numbers[s]}}, token=tokens[s])
        settleable_order(orders_stack, orders_stack.part(s, on_hand=3))
    admin = gateway.account(AccountRole.ADMIN)
    run = gateway.ok(RUN, token=admin)["runSettlement"]
    by_supplier = {gid("Supplier", s): None for s in suppliers}
    statements = {s["supplier"]["id"]: s for s in run if s["supplier"]["id"] in by_supplier}
    ids = [statements[gid("Supplier", s)]["id"] for s in suppliers]

    exported = gateway.ok(EXPORT, {"ids": ids}, token=admin)["exportPayouts"]
    assert exported["payoutCount"] == 3 and exported["filename"].endswith(".pain.001.xml")
    message_id, transfers = transfers_in(exported["xml"].encode())
    assert message_id == exported["messageId"]
    # Each creditor account is the one its supplier gave, in full, in the file alone.
    assert [t.creditor_account for t in transfers] == [numbers[s] for s in suppliers]
    assert exported["total"]["amount"] == sum(statements[gid("Supplier", s)]["total"]["amount"] for s in suppliers)
    # A retried download answers the same file; a statement already sent is not sent twice.
    assert gateway.ok(EXPORT, {"ids": ids}, token=admin)["exportPayouts"]["xml"] == exported["xml"]
    assert _codes(gateway.gql(EXPORT, {"ids": ids[:1]}, token=admin)) == [("CONFLICT", "batchIds.0")]

    paid, rejected, booked = transfers
    report = pain002(message_id, [(paid.end_to_end_id, "ACSC", None), (rejected.end_to_end_id, "RJCT", "AC04")])
    first = _import(gateway, report, admin)["data"]["importBankStatusReport"]
    assert first["kind"] == "pain.002.001.03" and first["alreadyImported"] is False
    assert [(e["endToEndId"], e["outcome"], e["reasonCode"]) for e in first["entries"]] == [
        (paid.end_to_end_id, "PAID", None),
        (rejected.end_to_end_id, "FAILED", "AC04"),
    ]
    assert first["entries"][0]["statement"] == {"id": ids[0], "payoutStatus": "PAID"}

    # The same report again changes nothing and says so.
    again = _import(gateway, report, admin)["data"]["importBankStatusReport"]
    assert again["alreadyImported"] is True and again["entries"] == first["entries"]

    # Finance's actions are in the audit log: which statements went into which file, which report
    # was imported (once, however often it is sent).
    audit = "query ($a: String) { auditLog(action: $a, first: 50) { edges { node { subjectId reason } } } }"

    def logged(action: str) -> list[dict[str, str]]:
        edges = gateway.ok(audit, {"a": action}, token=admin)["auditLog"]["edges"]
        return [e["node"] for e in edges]

    assert set(ids) <= {e["subjectId"] for e in logged("exportPayouts") if message_id in e["reason"]}
    imports = [e for e in logged("importBankStatusReport") if e["subjectId"] == first["messageId"]]
    assert len(imports) == 1 and "FAILED" in imports[0]["reason"] and "PAID" in imports[0]["reason"]

    # camt.054: the bank booked the third debit; a pending entry changes nothing.
    notification = camt054(
        [(booked.end_to_end_id, booked.amount, "BOOK", None), (paid.end_to_end_id, paid.amount, "BOOK", None)]
    )
    booked_result = _import(gateway, notification, admin)["data"]["importBankStatusReport"]
    assert booked_result["kind"] == "camt.054.001.08"
    assert [e["outcome"] for e in booked_result["entries"]] == ["PAID", "UNCHANGED"]

    # Each supplier sees where its own payout stands, the failed one with the bank's reason.
    def mine(s: str) -> dict[str, Any]:
        [edge] = gateway.ok(STATEMENTS, token=tokens[s])["settlements"]["edges"]
        node: dict[str, Any] = edge["node"]
        return node

    assert mine(suppliers[0])["payoutStatus"] == "PAID"
    failed = mine(suppliers[1])
    assert failed["payoutStatus"] == "FAILED"
    assert failed["payout"]["reasonCode"] == "AC04"
    assert failed["payout"]["reasonText"] == "Account closed at the creditor's bank"
    assert failed["payout"]["accountNumberMasked"] == "•••• 1234"
    assert mine(suppliers[2])["payoutStatus"] == "PAID"

    # A failed payout is sent again in a new file, with a new end-to-end id, to the new account.
    gateway.ok(SET_ACCOUNT, {"input": {**ACCOUNT, "accountNumber": "6222029999990001"}}, token=tokens[suppliers[1]])
    resent = gateway.ok(EXPORT, {"ids": [ids[1]]}, token=admin)["exportPayouts"]
    new_message_id, [retry] = transfers_in(resent["xml"].encode())
    assert new_message_id != message_id and retry.end_to_end_id != rejected.end_to_end_id
    assert retry.creditor_account == "6222029999990001"
    assert mine(suppliers[1])["payoutStatus"] == "SENT"
    # A late report on the old attempt does not undo the new one.
    late = pain002(message_id, [(rejected.end_to_end_id, "RJCT", "AC04")])
    assert [e["outcome"] for e in _import(gateway, late, admin)["data"]["importBankStatusReport"]["entries"]] == [
        "UNCHANGED"
    ]
    assert mine(suppliers[1])["payoutStatus"] == "SENT"


def test_an_invalid_status_report_is_refused_naming_the_file(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    admin = gateway.account(AccountRole.ADMIN)
    broken = _import(gateway, b"<Document><unclosed></Document>", admin)
    assert _codes(broken) == [("BAD_USER_INPUT", "file")]
    assert "line 1" in broken["errors"][0]["message"]

    # Well-formed, of the right message, but its group header lacks MsgId: the schema's words.
    invalid = pain002("TPX-X", [("abc", "ACSC", None)]).replace(b"<MsgId>", b"<Msg>").replace(b"</MsgId>", b"</Msg>")
    refused = _import(gateway, invalid, admin)
    assert _codes(refused) == [("BAD_USER_INPUT", "file")]
    assert "line 2" in refused["errors"][0]["message"] and "MsgId" in refused["errors"][0]["message"]

    other = _import(gateway, b'<?xml version="1.0"?><Document xmlns="urn:example"/>', admin)
    assert _codes(other) == [("BAD_USER_INPUT", "file")]
    assert "pain.002" in other["errors"][0]["message"]
    # Not finance: refused before anything is read.
    supplier = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())
    assert _codes(_import(gateway, pain002("TPX-X", [("abc", "ACSC", None)]), supplier)) == [("FORBIDDEN", None)]


def test_camt054_books_of_another_amount_change_nothing_and_a_return_fails_the_payout(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    token = gateway.account(AccountRole.SUPPLIER, supplier_id)
    gateway.ok(SET_ACCOUNT, {"input": ACCOUNT}, token=token)
    settleable_order(orders_stack, orders_stack.part(supplier_id, on_hand=3))
    admin = gateway.account(AccountRole.ADMIN)
    [statement] = [
        s for s in gateway.ok(RUN, token=admin)["runSettlement"] if s["supplier"]["id"] == gid("Supplier", supplier_id)
    ]
    exported = gateway.ok(EXPORT, {"ids": [statement["id"]]}, token=admin)["exportPayouts"]
    _, [sent] = transfers_in(exported["xml"].encode())

    other_amount = camt054([(sent.end_to_end_id, "1.00", "BOOK", None)])
    entries = _import(gateway, other_amount, admin)["data"]["importBankStatusReport"]["entries"]
    assert [e["outcome"] for e in entries] == ["AMOUNT_MISMATCH"]
    [edge] = gateway.ok(STATEMENTS, token=token)["settlements"]["edges"]
    assert edge["node"]["payoutStatus"] == "SENT"

    returned = camt054([(sent.end_to_end_id, sent.amount, "BOOK", "AC04")])
    entries = _import(gateway, returned, admin)["data"]["importBankStatusReport"]["entries"]
    assert [(e["outcome"], e["reasonCode"]) for e in entries] == [("FAILED", "AC04")]
    [edge] = gateway.ok(STATEMENTS, token=token)["settlements"]["edges"]
    assert edge["node"]["payoutStatus"] == "FAILED" and edge["node"]["payout"]["reasonCode"] == "AC04"
    # A transfer the platform never sent is reported as unknown, and changes nothing.
    stranger = pain002("TPX-NOT-OURS", [("not-one-of-ours", "ACSC", None)])
    entries = _import(gateway, stranger, admin)["data"]["importBankStatusReport"]["entries"]
    assert [(e["outcome"], e["statement"]) for e in entries] == [("UNKNOWN", None)]
