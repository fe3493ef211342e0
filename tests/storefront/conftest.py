"""The storefront in-process over the whole in-process stack (catalog and certification with
demo data, the gateway; the orders service down), and a storefront whose gateway is down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.conftest import Stack, closed_port, demo_urls, stack
from tests.storefront.factories import PASSWORD, new_uscc, unique_email

__all__ = ["demo_urls", "stack"]  # fixtures of the in-process stack, shared with the gateway tests


class GatewayTransport(httpx.AsyncBaseTransport):
    """Hands the storefront's requests to the gateway's TestClient (its own thread and loop)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}

        def send() -> httpx.Response:
            return self.client.request(request.method, request.url.path, content=content, headers=headers)

        answer = await anyio.to_thread.run_sync(send)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@pytest.fixture
def storefront(stack: Stack) -> Iterator[TestClient]:
    app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(stack.gql.client))
    with TestClient(app, base_url="http://storefront.test") as client:
        yield client


@pytest.fixture
def storefront_without_gateway() -> Iterator[TestClient]:
    settings = StorefrontSettings(gateway_url=f"http://127.0.0.1:{closed_port()}", gateway_timeout=2.0)
    with TestClient(create_app(settings), base_url="http://storefront.test") as client:
        yield client


REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { token refreshToken account { supplier { id } } } }"""


def register_supplier(stack: Stack) -> dict[str, Any]:
    """A new supplier account through the public API; its tokens and e-mail address."""
    email = unique_email()
    answer = stack.gql(
        REGISTER,
        {
            "input": {
                "email": email,
                "password": PASSWORD,
                "role": "SUPPLIER",
                "supplier": {"nameEn": "Tongnan Test Reman", "nameZh": "潼南测试再制造", "uscc": new_uscc()},
            }
        },
    )
    assert "errors" not in answer, answer
    return {"email": email, **answer["data"]["register"]}


def sign_in(client: TestClient, account: dict[str, Any]) -> None:
    client.cookies.set("tn_token", account["token"])
    client.cookies.set("tn_refresh", account["refreshToken"])
