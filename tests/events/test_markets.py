"""Revocation, end to end on a real nats-server: a brake-pad approval revoked through GraphQL
leaves `parts(filter: {shipsTo: "DE"})` within 2 s, and an unpaid order for one of its parts is
held with the reason, which the buyer reads on the GraphQL order.

The chain is the production one: certification's outbox -> the worker's relay -> JetStream ->
the catalog's `catalog-markets` consumer (markets per part, part.markets_changed in its outbox)
-> relay -> the orders' `orders-market-holds` consumer. Nothing here calls a handler directly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway.ids import global_id
from marketplace.roles import AccountRole
from tests.databases import Databases
from tests.events.running import RunningWorker, worker_context
from tests.gateway.factories import Gateway
from tests.orders.factories import Stack, orders_settings

SHIPS_TO = """
query ($supplier: ID!, $after: String) {
  parts(filter: {shipsTo: "DE", supplierId: $supplier}, first: 2, after: $after) {
    edges { node { id category } } pageInfo { hasNextPage endCursor } facets { category { value count } }
  }
}"""
QUOTE = """
mutation ($input: QuoteInput!) { createQuote(input: $input) { id } }"""
PLACE = """
mutation ($q: ID!, $k: String!) { placeOrder(quoteId: $q, idempotencyKey: $k) { order { id paymentStatus } } }"""
ORDER = """
query ($id: ID!) { order(id: $id) { status paymentStatus attention } }"""
REVOKE = """
mutation ($id: ID!, $reason: String!) { revokeCertificate(id: $id, reason: $reason) { status } }"""


@pytest.fixture
def worker(orders_stack: Stack, databases: Databases, nats_url: str) -> Iterator[RunningWorker]:
    """Relays and every consumer the worker runs (no scheduled jobs), on this test's NATS server."""
    running = RunningWorker(worker_context(databases, nats_url, orders_settings(orders_stack, databases))).start()
    yield running
    running.stop()


def shipping_to_germany(gateway: Gateway, supplier_id: str) -> list[dict[str, Any]]:
    """Every page of the supplier's parts that may be sold in Germany."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = gateway.ok(SHIPS_TO, {"supplier": global_id("Supplier", supplier_id), "after": after})["parts"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def wait_for(check: Callable[[], bool], timeout: float) -> float:
    """Seconds until `check` holds, polling every 20 ms; fails past `timeout`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_revoked_brake_pad_approval_leaves_ships_to_de_and_holds_the_unpaid_order(
    orders_stack: Stack,
    gateway: Gateway,
    worker: RunningWorker,
    capsys: pytest.CaptureFixture[str],
) -> None:
    supplier_id = orders_stack.supplier()
    r90 = orders_stack.certify(supplier_id, "ECE_R90", ["brake_pads"], number="E4 90R-01 4711/0815")
    pads = [
        orders_stack.part(
            supplier_id, category="brake_pads", title_en=f"Remanufactured brake pads {n}", weight_grams=1800
        )
        for n in range(3)
    ]
    alternator = orders_stack.part(supplier_id)
    sellable = {p["id"] for p in [*pads, alternator]}
    assert {node["id"] for node in shipping_to_germany(gateway, supplier_id)} == {
        global_id("Part", p) for p in sellable
    }

    buyer = gateway.account(AccountRole.BUYER)
    quote_input = {
        "lines": [{"partId": global_id("Part", pads[0]["id"]), "quantity": 1}],
        "destinationCountry": "DE",
        "incoterm": "DDP",
        "currency": "EUR",
    }
    quote = gateway.ok(QUOTE, {"input": quote_input}, token=buyer)["createQuote"]
    order = gateway.ok(PLACE, {"q": quote["id"], "k": f"markets-{uuid.uuid4()}"}, token=buyer)["placeOrder"]["order"]
    assert order["paymentStatus"] == "UNPAID"

    inspector = gateway.account(AccountRole.INSPECTOR)
    reason = "R90 test report withdrawn by the technical service"
    revoked_at = time.monotonic()
    revoked = gateway.ok(REVOKE, {"id": global_id("Certificate", r90), "reason": reason}, token=inspector)
    assert revoked["revokeCertificate"]["status"] == "REVOKED"
    answered = time.monotonic() - revoked_at

    pad_ids = {global_id("Part", p["id"]) for p in pads}

    def pads_gone() -> bool:
        return not pad_ids & {node["id"] for node in shipping_to_germany(gateway, supplier_id)}

    wait_for(pads_gone, timeout=2.0)
    left_search = time.monotonic() - revoked_at  # from the mutation's start, not its answer
    assert left_search < 2.0
    assert [node["id"] for node in shipping_to_germany(gateway, supplier_id)] == [global_id("Part", alternator["id"])]

    def held() -> bool:
        return bool(gateway.ok(ORDER, {"id": order["id"]}, token=buyer)["order"]["paymentStatus"] == "HELD")

    wait_for(held, timeout=5.0)
    order_held = time.monotonic() - revoked_at
    seen = gateway.ok(ORDER, {"id": order["id"]}, token=buyer)["order"]
    assert seen["status"] == "PENDING_PAYMENT"
    assert "may no longer be sold in DE" in seen["attention"] and reason in seen["attention"]
    with capsys.disabled():
        print(
            f"\nrevocation: mutation answered after {answered * 1000:.0f} ms, parts out of shipsTo DE after"
            f" {left_search * 1000:.0f} ms, order held after {order_held * 1000:.0f} ms"
        )
