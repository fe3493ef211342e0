"""GraphQL callers and documents for the gateway tests: the in-process stack, the gateway over the
orders stack, a supplier verified through the API.
"""

from __future__ import annotations

import json
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from gateway.identity import service as identity_service
from gateway.identity.tokens import issue_access_token
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole
from services.common.db import session_scope
from tests.databases import Databases
from tests.factories import sample
from tests.orders.factories import Stack as OrdersStack
from tests.orders.factories import confirm_card_setup


class GraphQL:
    """Posts real GraphQL documents to the gateway, as an integrator would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to a real service app and counts them, for the N+1 tests."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.queries: list[str] = []  # each call's query string, decoded

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        self.queries.append(request.url.query.decode())
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
            transport.queries.clear()

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
    from tests.catalog.factories import licence_pdf

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
    from marketplace.roles import AccountRole
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


QUOTE = """
mutation ($input: QuoteInput!) {
  createQuote(input: $input) {
    id currency fxRate fxAsOf fxStale fxOfflineFallback expiresAt incoterm destinationCountry dutyStatus
    goods { amount currency formatted } coreDeposit { amount } shipping { amount } insurance { amount }
    duty { amount } vat { amount } total { amount currency }
    lines { quantity part { sku } total { amount } }
  }
}"""


PLACE = """
mutation ($q: ID!, $k: String!) {
  placeOrder(quoteId: $q, idempotencyKey: $k) { clientSecret order { id status total { amount currency } } }
}"""


class Gateway:
    """The gateway in front of the orders test stack, with accounts minted in its own database."""

    def __init__(self, client: TestClient, databases: Databases, settings: GatewaySettings) -> None:
        self.gql = GraphQL(client)
        self.databases = databases
        self.settings = settings

    def account(self, role: AccountRole, supplier_id: str | None = None) -> str:
        with session_scope(self.databases.engine("gateway")) as session:
            account = identity_service.register(
                session,
                email=f"{role.value.lower()}-{uuid.uuid4().hex[:8]}@example.com",
                password="a long passphrase",
                role=role,
                supplier_id=uuid.UUID(supplier_id) if supplier_id else None,
                allow_staff_roles=True,
            )
            return issue_access_token(account, self.settings.jwt_secret.get_secret_value(), ttl_seconds=600)

    def card(self, stack: OrdersStack, token: str) -> str:
        """startCardSetup through the API, then what stripe.confirmCardSetup does in the browser."""
        setup = self.ok("mutation { startCardSetup { clientSecret publishableKey } }", token=token)["startCardSetup"]
        return confirm_card_setup(stack.localstripe_url, setup["publishableKey"], setup["clientSecret"])

    def ok(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        result = self.gql(query, variables, token=token)
        assert "errors" not in result, result["errors"]
        return result["data"]


def ddp_to_germany(part_id: str) -> dict[str, Any]:
    """A quote's input: one unit of the part, delivered duty paid to Germany, in euros."""
    return {
        "lines": [{"partId": gid("Part", part_id), "quantity": 1}],
        "destinationCountry": "DE",
        "incoterm": "DDP",
        "currency": "EUR",
    }


def gid(type_name: str, raw: str) -> str:
    from gateway.ids import global_id

    return global_id(type_name, raw)


def raw_id(global_or_raw: str) -> str:
    from strawberry import relay

    try:
        return relay.GlobalID.from_id(global_or_raw).node_id
    except Exception:
        return global_or_raw


LISTING = """
query Listing($first: Int, $search: String, $filter: PartFilter, $after: String) {
  parts(search: $search, filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id sku title category condition available oemNumbers
      price { amount currency formatted }
      supplier { id nameEn nameZh verified }
      certificates { id scheme status validUntil }
      eligibility(country: "DE") { country eligible missingSchemes expiringSoon { scheme validUntil } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


REGISTER_SUPPLIER = """
mutation ($email: String!, $uscc: String!, $en: String!) {
  register(input: {email: $email, password: "a long passphrase", role: SUPPLIER,
                   supplier: {nameEn: $en, nameZh: "重庆潼南测试再制造有限公司", uscc: $uscc}}) {
    token account { id role supplier { id nameEn verified } }
  }
}"""


CREATE_PART = """
mutation ($input: PartInput!) {
  createPart(input: $input) { id sku title(locale: "zh") available hsCode price { amount currency } supplier { id } }
}"""


def data_of(result: dict[str, Any]) -> Any:
    assert "errors" not in result, result["errors"]
    return result["data"]


def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


FIELDS = "id name companyName streetAddress city postalCode countryArea country vatNumber eoriNumber formatted"
CREATE = f"mutation ($input: AddressInput!) {{ addressCreate(input: $input) {{ {FIELDS} }} }}"
HAMBURG = {
    "name": "Kurt Fischer",
    "companyName": "Fischer Kfz-Teile GmbH",
    "streetAddress": "Hafenstraße  12",
    "city": "Hamburg",
    "postalCode": "20457",
    "country": "de",
    "vatNumber": "DE 136 695 976",
    "eoriNumber": "DE4711000123",
}


PLACE_TO = """
mutation ($q: ID!, $k: String!, $a: ID) {
  placeOrder(quoteId: $q, idempotencyKey: $k, shippingAddressId: $a) { order { id } }
}"""


def metric(client: Any, name: str, **labels: str) -> float:
    """One sample of the client's /metrics (0 when the series is not there yet)."""
    found = sample(client.get("/metrics").text, name, **labels)
    return 0.0 if found is None else found
