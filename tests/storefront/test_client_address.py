"""The visitor's address the storefront passes to the gateway: X-Forwarded-For only from our proxies."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.factories import Stack
from tests.storefront.factories import GatewayTransport


class RecordingTransport(GatewayTransport):
    """The real in-process gateway, noting the X-Forwarded-For of each request sent to it."""

    def __init__(self, client: TestClient) -> None:
        super().__init__(client)
        self.forwarded_for: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.forwarded_for.append(request.headers.get("x-forwarded-for"))
        return await super().handle_async_request(request)


@pytest.mark.parametrize(("trusted", "visitor"), [("", "127.0.0.1"), ("127.0.0.0/8", "198.51.100.7")])
def test_the_storefront_names_the_visitor_from_trusted_proxies_only(stack: Stack, trusted: str, visitor: str) -> None:
    transport = RecordingTransport(stack.gql.client)
    app = create_app(StorefrontSettings(gateway_url="http://gateway", trusted_proxies=trusted), transport=transport)
    with TestClient(app, base_url="http://storefront.test", client=("127.0.0.1", 50000)) as client:
        transport.forwarded_for.clear()  # the start-up's own requests, if any
        page = client.get("/", params={"q": "alternator"}, headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
    assert page.status_code == 200
    assert transport.forwarded_for and set(transport.forwarded_for) == {visitor}
