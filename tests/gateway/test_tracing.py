"""One buyer's quote followed as one trace through the gateway, the orders service and the
catalog: spans of every process, joined by the W3C traceparent each call carries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole
from services.catalog.app import create_app as create_catalog
from services.catalog.settings import CatalogSettings
from services.common.tracing import start_tracing, stop_tracing
from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.gateway.factories import QUOTE, Gateway, ddp_to_germany
from tests.harness import Served
from tests.orders.factories import WEBHOOK_SECRET, Stack

SPANS = InMemorySpanExporter()


@pytest.fixture
def traced(orders_stack: Stack, databases: Databases) -> Iterator[Gateway]:
    """The catalog, orders and gateway built with tracing on, on the test stack's databases."""
    start_tracing("tests", exporter=SPANS)
    try:
        catalog = Served(create_catalog(CatalogSettings(database_url=databases.migrated("catalog")))).start()
        orders = Served(
            create_orders(
                OrdersSettings(
                    database_url=databases.migrated("orders"),
                    stripe_api_base=orders_stack.localstripe_url,
                    stripe_webhook_secret=WEBHOOK_SECRET,
                    catalog_url=catalog.url,
                    register_localstripe_webhook=False,
                )
            )
        ).start()
        settings = GatewaySettings(
            database_url=databases.migrated("gateway"),
            catalog_url=catalog.url,
            certification_url=str(orders_stack.certification.base_url).rstrip("/"),
            orders_url=orders.url,
        )
        client = TestClient(create_gateway(settings))
        client.__enter__()  # the gateway opens its clients to the services as it starts
    finally:
        stop_tracing()
    try:
        yield Gateway(client, databases, settings)
    finally:
        client.__exit__(None, None, None)
    orders.stop()
    catalog.stop()


def test_a_quote_is_one_trace_across_the_gateway_orders_and_the_catalog(
    orders_stack: Stack,
    traced: Gateway,
) -> None:
    part = orders_stack.part(orders_stack.supplier(), on_hand=3)
    buyer = traced.account(AccountRole.BUYER)
    SPANS.clear()
    quote = traced.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    assert quote["total"]["amount"] > 0

    spans = SPANS.get_finished_spans()
    [graphql] = [s for s in spans if s.name.startswith("graphql mutation")]
    trace_id = graphql.context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    servers = {str((s.attributes or {}).get("http.route")) for s in in_trace if s.kind == SpanKind.SERVER}
    assert "/graphql" in servers and "/quotes" in servers, servers
    assert any(route.startswith("/parts") for route in servers), servers  # the catalog, called by orders
    assert len(in_trace) >= 4
    assert any(s.kind == SpanKind.CLIENT for s in in_trace)
    assert (graphql.attributes or {})["graphql.operation.type"] == "mutation"
