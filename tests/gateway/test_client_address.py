"""Whose address a request comes from: the peer's, and X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from ops.stack import plan
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.harness import free_port, isolated_environment, wait_for_port

API_VERSION = {"query": "{ apiVersion }"}


def test_a_local_client_cannot_choose_its_address_by_header_under_tongnan_up(
    databases: Databases, tmp_path: Path
) -> None:
    """The gateway as `tongnan up` serves it: a client on 127.0.0.1 naming a new address in
    each request still spends its own address's requests."""
    settings = GatewaySettings(port=free_port())
    components = plan(CatalogSettings(), OrdersSettings(), CertificationSettings(), settings, free_port())
    argv = next(c for c in components if c.name == "gateway").argv
    env, _ = isolated_environment(
        str(tmp_path / "var"),
        TONGNAN_GATEWAY_DATABASE_URL=databases.migrated("gateway"),
        TONGNAN_GATEWAY_RATE_BURST_PER_ADDRESS="2",
        TONGNAN_GATEWAY_RATE_PER_MINUTE_PER_ADDRESS="1",
    )
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(settings.port)
        statuses = [
            httpx.post(
                f"http://127.0.0.1:{settings.port}/graphql",
                json=API_VERSION,
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                timeout=10,
            ).status_code
            for n in range(3)
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("trusted", ["", "127.0.0.0/8"])
def test_forwarded_for_names_the_visitor_only_from_trusted_networks(databases: Databases, trusted: str) -> None:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        rate_burst_per_address=2,
        rate_per_minute_per_address=1,
        trusted_proxies=trusted,
    )
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:

        def ask(forwarded_for: str) -> int:
            response = client.post("/graphql", json=API_VERSION, headers={"X-Forwarded-For": forwarded_for})
            return response.status_code

        # The visitor's address is the rightmost one no trusted proxy added (127.0.0.2 is ours).
        visitor = [ask(f"10.9.8.{n}, 203.0.113.5, 127.0.0.2") for n in range(3)]
        other = ask("203.0.113.5, 198.51.100.7")
    assert visitor == [200, 200, 429]
    # Trusted: another visitor has a bucket of its own. Untrusted: the header is ignored.
    assert other == (200 if trusted else 429)


def test_trusted_proxies_must_be_networks() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        GatewaySettings(trusted_proxies="storefront.internal")
    assert [str(n) for n in GatewaySettings(trusted_proxies="10.0.0.0/8, 192.0.2.7").trusted_proxies] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
    ]
