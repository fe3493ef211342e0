"""The gateway against GraphQL documents generated from its own schema: every query and
mutation field, as an anonymous caller and as a logged-in buyer, over the real services.

A refusal is an answer (NOT_FOUND, FORBIDDEN, BAD_USER_INPUT ... each with its code); what
must never come back is a 5xx, an INTERNAL error, an upstream failure, or an error without a
public code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, CheckFunction, Response
from schemathesis.specs.openapi.checks import response_schema_conformance

from gateway.app import create_app
from gateway.errors import CODES
from gateway.identity import service as identity_service
from gateway.identity.models import GatewayTable
from gateway.identity.tokens import issue_access_token
from gateway.schema import schema as gateway_schema
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole
from services.common.db import session_scope
from tests.contract.factories import GENERATED, Seeded
from tests.databases import Databases, empty_tables
from tests.harness import Served
from tests.orders.factories import Stack

# A file arrives as a multipart part, never inline in a document; the closest a generated
# document can come is a string where the Upload goes.
schemathesis.graphql.scalar("Upload", st.just(schemathesis.graphql.nodes.String("certificate.pdf")))
schema = schemathesis.graphql.from_file(str(gateway_schema))


# Every service is up in this stack, so an upstream failure can only be one answering 5xx.
FAILURES = ("INTERNAL", "UPSTREAM_UNAVAILABLE")


def no_internal_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Never a 5xx; every GraphQL error carries a public code, and none is a failure of ours."""
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    errors = (response.json() or {}).get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES and code not in FAILURES, f"{code}: {error.get('message')}"
    return None


GRAPHQL_CHECKS: list[CheckFunction] = [no_internal_error, response_schema_conformance]


@pytest.fixture(scope="module")
def gateway(served: Stack, databases: Databases) -> Iterator[tuple[str, GatewaySettings]]:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        catalog_url=str(served.catalog.base_url).rstrip("/"),
        certification_url=str(served.certification.base_url).rstrip("/"),
        orders_url=served.orders_url,
        # Every generated request comes from one address and one account.
        rate_burst_per_address=100_000,
        rate_burst_per_account=100_000,
    )
    with Served(create_app(settings)) as server:
        yield f"{server.url}/graphql", settings
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


@pytest.fixture(scope="module")
def buyer_token(gateway: tuple[str, GatewaySettings], databases: Databases) -> str:
    _, settings = gateway
    with session_scope(databases.engine("gateway")) as session:
        account = identity_service.register(
            session,
            email=f"buyer-{uuid.uuid4().hex[:8]}@example.com",
            password="a long passphrase for the contract suite",
            role=AccountRole.BUYER,
        )
        return issue_access_token(account, settings.jwt_secret.get_secret_value(), ttl_seconds=3600)


@pytest.fixture(params=["anonymous", "buyer"])
def caller(request: pytest.FixtureRequest, buyer_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {buyer_token}"} if request.param == "buyer" else {}


def post(case: Case, gateway: tuple[str, GatewaySettings], headers: dict[str, str]) -> None:
    response = case.call(base_url=gateway[0], headers=headers)
    case.validate_response(response, checks=GRAPHQL_CHECKS)


@schema.parametrize()
@GENERATED
def test_gateway_never_answers_internal(
    case: Case, seeded: Seeded, gateway: tuple[str, GatewaySettings], caller: dict[str, str]
) -> None:
    post(case, gateway, caller)
