from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables


class GraphQL:
    """Posts real GraphQL documents to the gateway, as an integrator would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()


@pytest.fixture
def gateway_client(databases: Databases) -> Iterator[TestClient]:
    settings = GatewaySettings(database_url=databases.migrated("gateway"), login_free_failures=3)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


@pytest.fixture
def gql(gateway_client: TestClient) -> GraphQL:
    return GraphQL(gateway_client)


# --- The whole stack in one process -------------------------------------------------------


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to a real service app and counts them, for the N+1 tests."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


@dataclass
class Stack:
    gql: GraphQL
    transports: dict[str, CountingTransport]
    catalog: TestClient
    certification: TestClient

    def reset_counts(self) -> None:
        for transport in self.transports.values():
            transport.calls.clear()

    def calls(self, service: str) -> list[str]:
        return list(self.transports[service].calls)

    def admin_token(self) -> str:
        return admin_token(self.gql)

    def verify_supplier(self, supplier_token: str) -> dict[str, Any]:
        """The supplier applies with a licence and an admin verifies it, all through the public
        API: only a verified supplier lists parts."""
        return verify_supplier(self.gql, supplier_token)


SUPPLIER_VERIFICATION = (
    "id verified verification { status uscc legalRepresentative reason licence { sizeBytes sha256 } }"
)
SUBMIT_VERIFICATION = f"""
mutation ($input: SupplierVerificationInput!, $licence: Upload!) {{
  submitSupplierVerification(input: $input, licence: $licence) {{ {SUPPLIER_VERIFICATION} }}
}}"""
VERIFY_SUPPLIER = f"""
mutation ($id: ID!, $reason: String) {{ verifySupplier(id: $id, reason: $reason) {{ {SUPPLIER_VERIFICATION} }} }}"""
OWN_SUPPLIER = f"{{ viewer {{ account {{ supplier {{ {SUPPLIER_VERIFICATION} }} }} }} }}"


def submit_verification(
    gql: GraphQL,
    token: str,
    uscc: str,
    legal_representative: str = "李伟",
    licence: bytes | None = None,
) -> Any:
    """A GraphQL multipart request (operations, map, then the file), as upload clients send it."""
    from tests.catalog.conftest import licence_pdf

    operations = {
        "query": SUBMIT_VERIFICATION,
        "variables": {"input": {"uscc": uscc, "legalRepresentative": legal_representative}, "licence": None},
    }
    response = gql.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.licence"]})},
        files={"0": ("licence.pdf", licence if licence is not None else licence_pdf(), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


def admin_token(gql: GraphQL) -> str:
    """A staff ADMIN account, as `tongnan staff create` makes one, and its access token."""
    from gateway.identity import service as identity_service
    from gateway.identity.tokens import issue_access_token
    from gateway.models import AccountRole
    from services.common.db import session_scope

    app = gql.client.app
    with session_scope(app.state.engine) as session:  # type: ignore[attr-defined]
        account = identity_service.register(
            session,
            email=f"admin-{uuid.uuid4().hex[:8]}@tongnan-platform.cn",
            password="a long passphrase",
            role=AccountRole.ADMIN,
            allow_staff_roles=True,
        )
        secret = app.state.settings.jwt_secret.get_secret_value()  # type: ignore[attr-defined]
        return issue_access_token(account, secret, ttl_seconds=600)


def verify_supplier(gql: GraphQL, supplier_token: str) -> dict[str, Any]:
    own = gql(OWN_SUPPLIER, token=supplier_token)
    assert "errors" not in own, own
    supplier = own["data"]["viewer"]["account"]["supplier"]
    submitted = submit_verification(gql, supplier_token, supplier["verification"]["uscc"])
    assert "errors" not in submitted, submitted
    verified = gql(VERIFY_SUPPLIER, {"id": supplier["id"], "reason": "licence checked"}, token=admin_token(gql))
    assert "errors" not in verified, verified
    return dict(verified["data"]["verifySupplier"])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_urls(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Catalog and certification databases holding the demo data, shared by the session."""
    from ops.worker import markets
    from seed import catalog as catalog_demo
    from seed import certification as certification_demo
    from services.common.db import make_engine
    from services.common.migrations import upgrade

    urls = {}
    for service, loader in (("catalog", catalog_demo), ("certification", certification_demo)):
        url = databases.fresh(service)
        upgrade(service, url)
        engine = make_engine(url)
        if service == "certification":
            loader.load_if_empty(engine, tmp_path_factory.mktemp("documents"))
        else:
            loader.load_if_empty(engine)
        engine.dispose()
        urls[service] = url
    # The catalog's markets per part, as `tongnan up` builds them after loading demo data.
    engines = [make_engine(urls["certification"]), make_engine(urls["catalog"])]
    markets.rebuild(*engines)
    for engine in engines:
        engine.dispose()
    return urls


@pytest.fixture
def stack(databases: Databases, demo_urls: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    from services.catalog.app import create_app as create_catalog
    from services.catalog.settings import CatalogSettings
    from services.certification.app import create_app as create_certification
    from services.certification.settings import CertificationSettings

    catalog_app = create_catalog(CatalogSettings(database_url=demo_urls["catalog"]))
    certification_app = create_certification(
        CertificationSettings(database_url=demo_urls["certification"], document_dir=tmp_path / "documents")
    )
    transports = {
        "catalog": CountingTransport(httpx.ASGITransport(app=catalog_app)),
        "certification": CountingTransport(httpx.ASGITransport(app=certification_app)),
    }
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        # Nothing listens here: the orders service is down for these tests.
        orders_url=f"http://127.0.0.1:{closed_port()}",
        upstream_timeout=2.0,
    )
    gateway = create_app(settings, transports=dict(transports))
    with TestClient(catalog_app) as catalog, TestClient(certification_app) as certification, TestClient(gateway) as gw:
        yield Stack(GraphQL(gw), transports, catalog, certification)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)
