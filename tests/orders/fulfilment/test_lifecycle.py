"""After payment: shipment by the line's supplier, delivery, completion, cancellation with refund,
partial refunds, core returns (accepted, partly, rejected, too late), reconciliation; impossible
transitions are 409 naming the status."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.orders.finance import ledger
from services.orders.models import OrderLine
from tests.databases import Databases
from tests.factories import as_supplier
from tests.harness import free_port
from tests.orders.factories import ADMIN, INSPECTOR, SYSTEM, Stack, as_buyer, paid_order

SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}


def _post(stack: Stack, path: str, headers: Mapping[str, str], json: Any = None) -> Any:
    return stack.orders.post(path, json=json, headers=headers)


def _refunds(stack: Stack, intent_id: str) -> list[int]:
    return sorted(r["amount"] for r in stack.stripe.v1.refunds.list(params={"payment_intent": intent_id}).data)


def test_impossible_transitions_are_409_naming_the_status(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    supplier = as_supplier(alternator["supplier_id"])
    q = stack.quote(buyer, [(alternator["id"], 1)])
    order = stack.place(buyer, q["id"])["order"]
    oid = order["id"]
    early = _post(stack, f"/orders/{oid}/ship", supplier, SHIP)
    assert early.status_code == 409 and early.json()["code"] == "INVALID_TRANSITION"
    assert "PENDING_PAYMENT" in early.json()["detail"] and early.json()["order_status"] == "PENDING_PAYMENT"
    assert _post(stack, f"/orders/{oid}/confirm-delivery", as_buyer(buyer)).status_code == 409
    assert _post(stack, f"/orders/{oid}/complete", as_buyer(buyer)).status_code == 409

    stack.pay(buyer, oid, stack.card(buyer))
    stack.wait_status(oid, "PAID")
    other = stack.supplier()
    stranger = _post(stack, f"/orders/{oid}/ship", as_supplier(other), SHIP)
    assert stranger.status_code == 404  # another supplier does not even see the order
    bad_tracking = _post(stack, f"/orders/{oid}/ship", supplier, {"carrier": "SF", "tracking_number": "<script>"})
    assert bad_tracking.status_code == 422 and bad_tracking.json()["field"] == "tracking_number"
    assert _post(stack, f"/orders/{oid}/ship", supplier, SHIP).json()["status"] == "SHIPPED"
    again = _post(stack, f"/orders/{oid}/ship", supplier, SHIP)
    assert again.status_code == 409 and "SHIPPED" in again.json()["detail"]
    late_cancel = _post(stack, f"/orders/{oid}/cancel", as_buyer(buyer))
    assert late_cancel.status_code == 409 and "SHIPPED" in late_cancel.json()["detail"]
    assert _post(stack, f"/orders/{oid}/deliver", supplier).status_code == 403  # the buyer confirms delivery
    assert _post(stack, f"/orders/{oid}/confirm-delivery", as_buyer(buyer)).status_code == 200
    assert _post(stack, f"/orders/{oid}/complete", as_buyer(buyer)).status_code == 200
    done = _post(stack, f"/orders/{oid}/complete", as_buyer(buyer))
    assert done.status_code == 409 and "COMPLETED" in done.json()["detail"]
    assert stack.orders.get(f"/orders/{oid}", headers=as_buyer("acct-nosy")).status_code == 404


def test_cancel_before_payment_releases_stock_and_cancels_the_intent(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    q = stack.quote(buyer, [(alternator["id"], 2)])
    order = stack.place(buyer, q["id"])["order"]
    cancelled = _post(stack, f"/orders/{order['id']}/cancel", as_buyer(buyer), {"reason": "found one locally"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["history"][-1]["reason"] == "found one locally"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert stack.stripe.v1.payment_intents.retrieve(order["payment_intent_id"])["status"] == "canceled"


def test_cancel_after_payment_refunds_everything_and_reverses_the_ledger(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    order = paid_order(stack, buyer, alternator, 1)
    goodwill = _post(
        stack,
        f"/orders/{order['id']}/refunds",
        ADMIN,
        {"amount": 500, "reason": "late dispatch", "idempotency_key": "goodwill-000001"},
    )
    assert goodwill.status_code == 201, goodwill.text
    repeat = _post(
        stack,
        f"/orders/{order['id']}/refunds",
        ADMIN,
        {"amount": 500, "reason": "late dispatch", "idempotency_key": "goodwill-000001"},
    )
    assert repeat.json()["id"] == goodwill.json()["id"]  # one refund per key
    assert stack.order(order["id"])["payment_status"] == "PARTIALLY_REFUNDED"
    too_much = _post(
        stack,
        f"/orders/{order['id']}/refunds",
        ADMIN,
        {"amount": order["total"]["amount"], "reason": "oops", "idempotency_key": "goodwill-000002"},
    )
    assert too_much.status_code == 409 and too_much.json()["field"] == "amount"
    assert (
        _post(
            stack,
            f"/orders/{order['id']}/refunds",
            as_buyer(buyer),
            {"amount": 1, "reason": "me", "idempotency_key": "k" * 8},
        ).status_code
        == 403
    )

    cancelled = _post(stack, f"/orders/{order['id']}/cancel", as_buyer(buyer))
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "CANCELLED" and body["payment_status"] == "REFUNDED"
    assert body["refunded"] == body["total"]
    assert _refunds(stack, order["payment_intent_id"]) == sorted([500, order["total"]["amount"] - 500])
    assert stack.balance(ledger.STRIPE, "EUR") == 0
    assert stack.balance(ledger.supplier_payable(alternator["supplier_id"]), "CNY") == 0
    assert stack.balance(ledger.REFUNDS_EXPENSE, "EUR") == 0
    # Never shipped: the unit is back on the shelf, and a second cancel changes nothing.
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert _post(stack, f"/orders/{order['id']}/cancel", as_buyer(buyer)).status_code == 409
    assert stack.stock(alternator["id"])["on_hand"] == 5


def test_core_returns_partly_accepted_rejected_and_too_late(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    part = stack.part(supplier_id, on_hand=10)
    supplier = as_supplier(supplier_id)
    orders = [paid_order(stack, buyer, part, 1) for _ in range(3)]
    for order in orders:
        assert _post(stack, f"/orders/{order['id']}/ship", supplier, SHIP).status_code == 200
        assert _post(stack, f"/orders/{order['id']}/confirm-delivery", as_buyer(buyer)).status_code == 200
    line_ids = [o["lines"][0]["id"] for o in orders]

    not_yours = _post(stack, "/core-returns", as_buyer("acct-other"), {"order_line_id": line_ids[0]})
    assert not_yours.status_code == 404
    partly = _post(stack, "/core-returns", as_buyer(buyer), {"order_line_id": line_ids[0]}).json()
    rejected = _post(stack, "/core-returns", as_buyer(buyer), {"order_line_id": line_ids[1]}).json()
    deposit = partly["deposit"]["amount"]

    half = _post(
        stack, f"/core-returns/{partly['id']}/decision", supplier, {"accepted": True, "accepted_share_pct": 50}
    )
    assert half.status_code == 200, half.text
    assert half.json()["status"] == "PARTLY_ACCEPTED"
    assert (
        half.json()["refunded"]["amount"] == deposit // 2 or abs(half.json()["refunded"]["amount"] * 2 - deposit) <= 1
    )
    assert half.json()["credited_supplier"]["amount"] == 15_000  # half of CNY 300.00
    twice = _post(stack, f"/core-returns/{partly['id']}/decision", supplier, {"accepted": True})
    assert twice.status_code == 409

    other_supplier = as_supplier(stack.supplier())
    assert (
        _post(stack, f"/core-returns/{rejected['id']}/decision", other_supplier, {"accepted": False}).status_code == 404
    )
    no = _post(
        stack, f"/core-returns/{rejected['id']}/decision", INSPECTOR, {"accepted": False, "note": "cracked housing"}
    )
    assert no.status_code == 200 and no.json()["status"] == "REJECTED"
    assert no.json()["refunded"]["amount"] == 0 and no.json()["credited_supplier"]["amount"] == 30_000
    assert _refunds(stack, orders[1]["payment_intent_id"]) == []
    assert _refunds(stack, orders[0]["payment_intent_id"]) == [half.json()["refunded"]["amount"]]
    # Each order: goods net of fee (106,200) plus what it keeps of the core deposit.
    assert stack.balance(ledger.supplier_payable(supplier_id), "CNY") == -(3 * 106_200 + 15_000 + 30_000)

    with Session(stack.engine) as session:
        session.execute(
            update(OrderLine)
            .where(col(OrderLine.id) == uuid.UUID(line_ids[2]))
            .values(delivered_at=utcnow() - timedelta(days=91))
        )
        session.commit()
    late = _post(stack, "/core-returns", as_buyer(buyer), {"order_line_id": line_ids[2]})
    assert late.status_code == 409 and late.json()["code"] == "CORE_RETURN_WINDOW_CLOSED"


def test_reconciliation_settles_orders_whose_webhooks_were_lost(stack: Stack, buyer: str) -> None:
    stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody-listens")
    supplier_id = stack.supplier()
    part = stack.part(supplier_id, on_hand=4)
    paid = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    abandoned = stack.place(buyer, stack.quote(buyer, [(part["id"], 2)])["id"])["order"]
    stack.pay(buyer, paid["id"], stack.card(buyer))
    assert stack.stock(part["id"]) == {"on_hand": 4, "reserved": 3, "available": 1}

    assert _post(stack, "/reconcile/pending", as_buyer(buyer)).status_code == 403
    recent = _post(stack, "/reconcile/pending", SYSTEM)  # default limit: nothing is old enough yet
    assert recent.json() == {
        "checked": 0,
        "paid": 0,
        "cancelled": 0,
        "held_for_review": 0,
        "left_pending": 0,
        "cancellations_finished": 0,
        "cancellations_pending": 0,
        "reservations_released": 0,
        "checkouts_abandoned": 0,
    }
    result = stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert result.status_code == 200, result.text
    assert result.json() == {
        "checked": 2,
        "paid": 1,
        "cancelled": 1,
        "held_for_review": 0,
        "left_pending": 0,
        "cancellations_finished": 0,
        "cancellations_pending": 0,
        "reservations_released": 0,
        "checkouts_abandoned": 0,
    }
    assert stack.order(paid["id"])["status"] == "PAID"
    assert stack.order(abandoned["id"])["status"] == "CANCELLED"
    assert stack.stock(part["id"]) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert stack.stripe.v1.payment_intents.retrieve(abandoned["payment_intent_id"])["status"] == "canceled"
    assert stack.balance(ledger.supplier_payable(supplier_id), "CNY") == -106_200


def test_my_orders_pages_newest_first_and_suppliers_see_their_orders(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    ids = [stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]["id"] for _ in range(3)]
    first = stack.orders.get("/orders", params={"first": 2}, headers=as_buyer(buyer)).json()
    assert [e["node"]["id"] for e in first["edges"]] == ids[::-1][:2] and first["page_info"]["has_next_page"]
    rest = stack.orders.get(
        "/orders", params={"first": 2, "after": first["page_info"]["end_cursor"]}, headers=as_buyer(buyer)
    ).json()
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[0]] and not rest["page_info"]["has_next_page"]
    mine = stack.orders.get("/orders", headers=as_supplier(alternator["supplier_id"])).json()
    assert len(mine["edges"]) == 3
    assert stack.orders.get("/orders", headers=as_buyer("acct-nobody")).json()["edges"] == []
    bad = stack.orders.get("/orders", params={"after": "%%%"}, headers=as_buyer(buyer))
    assert bad.status_code == 422 and bad.json()["field"] == "after"


def test_an_order_from_two_suppliers_ships_line_by_line_and_the_buyer_confirms_it_all(stack: Stack, buyer: str) -> None:
    s1, s2 = stack.supplier(), stack.supplier()
    p1, p2 = stack.part(s1), stack.part(s2, price_cny=50_000, core_charge_cny=0, weight_grams=1200)
    quote = stack.quote(buyer, [(p1["id"], 1), (p2["id"], 3)], country="GB", currency="GBP", incoterm="DAP")
    assert {line["supplier_id"] for line in quote["lines"]} == {s1, s2}
    assert quote["duty_status"] == "estimated"
    order = stack.place(buyer, quote["id"])["order"]
    stack.pay(buyer, order["id"], stack.card(buyer))
    stack.wait_status(order["id"], "PAID")
    # DAP: no duty or VAT collected, so none is owed by us.
    assert stack.balance(ledger.vat_payable("GB"), "GBP") == 0
    assert stack.balance(ledger.supplier_payable(s1), "CNY") == -106_200
    assert stack.balance(ledger.supplier_payable(s2), "CNY") == -135_000

    seen = stack.orders.get(f"/orders/{order['id']}", headers=as_supplier(s2)).json()
    assert [line["supplier_id"] for line in seen["lines"]] == [s2]  # only its own lines
    assert seen["goods"] == seen["lines"][0]["goods"] and seen["total"] == seen["lines"][0]["total"]
    assert seen["payment_intent_id"] is None
    assert stack.order(order["id"])["total"] == quote["total"]
    first = _post(stack, f"/orders/{order['id']}/ship", as_supplier(s1), SHIP).json()
    assert first["status"] == "PAID"  # one supplier's line is on its way, the other not yet
    cross = _post(stack, f"/orders/{order['id']}/ship", as_supplier(s1), {**SHIP, "line_ids": [seen["lines"][0]["id"]]})
    assert cross.status_code == 403
    both = _post(stack, f"/orders/{order['id']}/ship", as_supplier(s2), SHIP).json()
    assert both["status"] == "SHIPPED"
    # Neither supplier says it arrived: the buyer does, for every line at once.
    assert _post(stack, f"/orders/{order['id']}/deliver", as_supplier(s1)).status_code == 403
    assert _post(stack, f"/orders/{order['id']}/confirm-delivery", as_supplier(s2)).status_code == 403
    delivered = _post(stack, f"/orders/{order['id']}/confirm-delivery", as_buyer(buyer)).json()
    assert delivered["status"] == "DELIVERED"
    assert {line["status"] for line in delivered["lines"]} == {"DELIVERED"}


def test_the_reconciliation_command_cancels_abandoned_orders(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from services.orders.checkout import reconcile
    from services.orders.settings import OrdersSettings

    abandoned = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 2)])["id"])["order"]
    settings = OrdersSettings(
        database_url=databases.migrated("orders"),
        stripe_api_base=stack.localstripe_url,
        catalog_url=str(stack.catalog.base_url),
    )
    assert reconcile.main([], settings=settings).checked == 0  # not older than the 60-minute limit yet
    result = reconcile.main(["--older-than-minutes", "0"], settings=settings)
    assert (result.checked, result.cancelled) == (1, 1)
    assert '"cancelled":1' in capsys.readouterr().out
    assert stack.order(abandoned["id"])["status"] == "CANCELLED"
    assert stack.stock(alternator["id"])["reserved"] == 0


def test_kwd_is_charged_and_refunded_in_the_tens_of_fils_cards_take(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    order = paid_order(stack, buyer, alternator, 1, country="KW", currency="KWD")
    charged = stack.stripe.v1.payment_intents.retrieve(order["payment_intent_id"])
    assert charged["currency"] == "kwd" and charged["amount"] == order["total"]["amount"]
    assert charged["amount"] % 10 == 0
    refund = {"reason": "late dispatch", "idempotency_key": f"goodwill-{uuid.uuid4().hex[:8]}"}
    odd = _post(stack, f"/orders/{order['id']}/refunds", ADMIN, {**refund, "amount": 1_005})
    assert odd.status_code == 422 and odd.json()["field"] == "amount"
    assert _post(stack, f"/orders/{order['id']}/refunds", ADMIN, {**refund, "amount": 1_000}).status_code == 201
