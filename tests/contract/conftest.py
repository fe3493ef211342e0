"""Generated requests against every service's OpenAPI and the gateway's GraphQL schema.

Schemathesis reads each schema from the app itself and generates requests from it: valid
ones, and invalid ones that break the schema on purpose. Each request goes to the real app
served on a loopback port (the orders test stack: catalog, certification, orders, localstripe,
real databases) after a supplier, a part, its certificate, a quote and an order were made, so
that a valid request names things that exist and reaches the code behind the lookup.

The checks: never a 5xx, and every answer is one the schema declares (status, media type,
body). Example counts are fixed and generation derandomised, so a run is the same every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.contract.factories import Seeded, as_admin
from tests.databases import Databases
from tests.orders.factories import Stack, assert_ledger_balanced, reset


@pytest.fixture(scope="module")
def seeded(served: Stack, databases: Databases) -> Iterator[Seeded]:
    """Empty databases, then a certified supplier with a part in stock, the supplier's
    certificate, and a buyer's quote and placed order for the part. Made once per module: the
    operations run in the schema's order on what the earlier ones left, as a client's would."""
    stack = reset(served, databases)
    supplier_id = stack.supplier()
    part = stack.part(supplier_id)
    certificates = stack.certification.get("/certificates", params={"holder_id": supplier_id}, headers=as_admin())
    assert certificates.status_code == 200, certificates.text
    buyer = f"acct-buyer-{uuid.uuid4().hex[:8]}"
    quote = stack.quote(buyer, [(part["id"], 1)])
    order = stack.place(buyer, quote["id"])["order"]
    yield Seeded(
        {
            "supplier_id": supplier_id,
            "holder_id": supplier_id,
            "part_id": part["id"],
            "certificate_id": certificates.json()["items"][0]["id"],
            "quote_id": quote["id"],
            "order_id": order["id"],
            "idempotency_key": f"order-{order['id']}",
        }
    )
    assert_ledger_balanced(served.engine)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Schemathesis 4.32 builds one item per operation but, under pytest 9.2, gives them all the
    # test function's node id; pytest then merges their reports. Each gets its own again.
    for item in items:
        if getattr(item, "operation_label", None) is not None and item.parent is not None:
            item._id = item.parent.id.child(item.name)
