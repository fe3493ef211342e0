"""The orders test stack's fixtures, found by pytest itself in every test directory
(tests/conftest.py registers this module): the orders, gateway, storefront, events and contract
tests share one localstripe and one served stack per session.

The catalog and certification apps and the orders app are each served by uvicorn on a free
loopback port (so localstripe can deliver its signed webhooks to us over HTTP), localstripe runs
as a subprocess, and the databases are real (SQLite or PostgreSQL per TONGNAN_TEST_DB). Each test
gets the stack over emptied databases, and after it the ledger invariant is checked: every
transaction sums to zero per currency.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import stripe

from services.catalog.app import create_app as create_catalog
from services.catalog.settings import CatalogSettings
from services.certification.app import create_app as create_certification
from services.certification.settings import CertificationSettings
from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.harness import Served, localstripe
from tests.orders.factories import WEBHOOK_SECRET, Stack, assert_ledger_balanced, reset


def pytest_configure(config: pytest.Config) -> None:
    # The stripe SDK's httpx transport posts its form body as bytes through `data=`.
    config.addinivalue_line("filterwarnings", "ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    with localstripe() as url:
        yield url


@pytest.fixture(scope="session")
def served(databases: Databases, localstripe_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The three services, started once for the session: each holds pools of database connections."""
    with ExitStack() as cleanup:
        yield _serve(cleanup, databases, localstripe_url, tmp_path_factory)


def _serve(
    cleanup: ExitStack, databases: Databases, localstripe_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Stack:
    tmp: Path = tmp_path_factory.mktemp("orders-stack")
    catalog_settings = CatalogSettings(database_url=databases.migrated("catalog"), image_dir=tmp / "images")
    catalog = Served(create_catalog(catalog_settings)).start()
    certification = Served(
        create_certification(
            CertificationSettings(
                database_url=databases.migrated("certification"), document_dir=tmp / "documents", verify_burst=1000
            )
        )
    ).start()
    orders_settings = OrdersSettings(
        database_url=databases.migrated("orders"),
        stripe_api_base=localstripe_url,
        stripe_webhook_secret=WEBHOOK_SECRET,
        catalog_url=catalog.url,
    )
    orders = Served(create_orders(orders_settings)).start()
    clients = [httpx.Client(base_url=s.url, timeout=30) for s in (catalog, certification, orders)]
    stack = Stack(
        catalog=clients[0],
        certification=clients[1],
        orders=clients[2],
        orders_url=orders.url,
        localstripe_url=localstripe_url,
        engine=databases.engine("orders"),
        catalog_engine=databases.engine("catalog"),
        certification_engine=databases.engine("certification"),
        stripe=stripe.StripeClient("sk_test_dashboard", base_addresses={"api": localstripe_url}, max_network_retries=0),
    )
    stack.point_webhooks_at(f"{orders.url}/webhooks/stripe")
    for client in clients:
        cleanup.callback(client.close)
    for server in (catalog, certification, orders):  # stopped in reverse: orders first
        cleanup.callback(server.stop)
    return stack


@pytest.fixture
def orders_stack(served: Stack, databases: Databases) -> Iterator[Stack]:
    """The served stack over emptied databases; the ledger balanced after the test."""
    yield reset(served, databases)
    assert_ledger_balanced(served.engine)
