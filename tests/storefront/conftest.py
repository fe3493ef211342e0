"""The storefront in-process over the whole in-process stack (catalog and certification with
demo data, the gateway; the orders service down: `stack`, from tests/gateway/fixtures.py), and a
storefront whose gateway is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.factories import Stack, closed_port
from tests.storefront.factories import BrowserClient, GatewayTransport


@pytest.fixture
def storefront(stack: Stack) -> Iterator[BrowserClient]:
    app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(stack.gql.client))
    with BrowserClient(app, base_url="http://storefront.test") as client:
        yield client


@pytest.fixture
def storefront_without_gateway() -> Iterator[BrowserClient]:
    settings = StorefrontSettings(gateway_url=f"http://127.0.0.1:{closed_port()}", gateway_timeout=2.0)
    with BrowserClient(create_app(settings), base_url="http://storefront.test") as client:
        yield client
