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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.roles import Role
from tests.conftest import headers_for
from tests.databases import Databases
from tests.orders.conftest import (  # noqa: F401  (fixtures and the warning filter)
    Stack,
    assert_ledger_balanced,
    localstripe_url,
    pytest_configure,
    reset,
    served,
)

# Deterministic and bounded: the same requests on every run, a few per operation beyond the
# schema-derived edge cases of the coverage phase.
GENERATED = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

OPENAPI_CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def openapi_of(app: FastAPI) -> schemathesis.BaseSchema:
    """The schema an app serves at /openapi.json. The app is only read, never started: its
    database is an in-memory SQLite it never connects to."""
    return schemathesis.openapi.from_dict(app.openapi())


@dataclass(frozen=True)
class Seeded:
    """What exists when the generated requests arrive, by the names the schemas give ids."""

    ids: dict[str, str]

    def fill(self, case: Case) -> None:
        """Point a valid request at things that exist: every id the schema names gets the
        seeded one. An invalid request keeps its broken values, to prove they are refused."""
        if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
            return
        for container in (case.path_parameters, case.query):
            if container:
                for name in container.keys() & self.ids.keys():
                    container[name] = self.ids[name]
        if isinstance(case.body, dict):
            for name in case.body.keys() & self.ids.keys():
                case.body[name] = self.ids[name]
            lines = case.body.get("lines")
            for line in lines if isinstance(lines, list) else []:
                if isinstance(line, dict) and "part_id" in line:
                    line["part_id"] = self.ids["part_id"]


@pytest.fixture(scope="module")
def seeded(served: Stack, databases: Databases) -> Iterator[Seeded]:  # noqa: F811
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


def as_admin() -> dict[str, str]:
    """The back office's token, minted per request: tokens live 60 s, a suite longer."""
    return headers_for(Role.ADMIN, actor_id="acct-admin")


def call_and_check(case: Case, base_url: str, seeded: Seeded, headers: Callable[[], dict[str, Any]]) -> None:
    seeded.fill(case)
    response = case.call(base_url=base_url, headers=headers())
    case.validate_response(response, checks=OPENAPI_CHECKS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Schemathesis 4.32 builds one item per operation but, under pytest 9.2, gives them all the
    # test function's node id; pytest then merges their reports. Each gets its own again.
    for item in items:
        if getattr(item, "operation_label", None) is not None and item.parent is not None:
            item._id = item.parent.id.child(item.name)
