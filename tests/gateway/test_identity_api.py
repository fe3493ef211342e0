"""Identity through the public GraphQL API: codes, tokens and API keys as integrators see them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL

REGISTER = """
mutation ($email: String!, $password: String!, $role: Role!) {
  register(input: {email: $email, password: $password, role: $role}) {
    token refreshToken account { id email role }
  }
}"""
LOGIN = "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token refreshToken } }"
VIEWER = "{ viewer { account { id email role } } }"
CREATE_KEY = "mutation ($name: String!, $scope: ApiKeyScope!) { createApiKey(name: $name, scope: $scope) { key apiKey { id name lastUsedAt } } }"  # noqa: E501
REVOKE_KEY = "mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"


def register(gql: GraphQL, email: str = "kurt@teile-hamburg.de") -> dict[str, Any]:
    result = gql(REGISTER, {"email": email, "password": "a long passphrase", "role": "BUYER"})
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["register"]
    return payload


def code_of(result: dict[str, Any]) -> str:
    code: str = result["errors"][0]["extensions"]["code"]
    return code


def test_register_login_and_viewer(gql: GraphQL) -> None:
    payload = register(gql)
    assert payload["account"]["role"] == "BUYER"
    viewer = gql(VIEWER, token=payload["token"])
    assert viewer["data"]["viewer"]["account"] == payload["account"]
    assert gql(VIEWER)["data"]["viewer"]["account"] is None

    login = gql(LOGIN, {"e": "KURT@teile-hamburg.de", "p": "a long passphrase"})
    assert gql(VIEWER, token=login["data"]["login"]["token"])["data"]["viewer"]["account"]["email"] == (
        "kurt@teile-hamburg.de"
    )


def test_errors_carry_codes_and_fields(gql: GraphQL) -> None:
    register(gql)
    duplicate = gql(REGISTER, {"email": "kurt@teile-hamburg.de", "password": "a long passphrase", "role": "BUYER"})
    assert code_of(duplicate) == "CONFLICT" and duplicate["errors"][0]["extensions"]["field"] == "email"
    weak = gql(REGISTER, {"email": "new@x.de", "password": "short", "role": "BUYER"})
    assert code_of(weak) == "BAD_USER_INPUT" and weak["errors"][0]["extensions"]["field"] == "password"
    staff = gql(REGISTER, {"email": "new@x.de", "password": "a long passphrase", "role": "ADMIN"})
    assert code_of(staff) == "BAD_USER_INPUT"
    wrong = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "not the password"})
    assert code_of(wrong) == "UNAUTHENTICATED" and wrong["data"] is None
    assert code_of(gql("{ nosuchfield }")) == "BAD_USER_INPUT"
    assert code_of(gql('mutation { createApiKey(name: "x") { key } }')) == "UNAUTHENTICATED"


def test_a_guessable_password_is_refused_with_advice_on_the_password_field(gql: GraphQL) -> None:
    for password in ("Password1234", "qwertyuiop12", "kurt@teile-hamburg.de"):
        refused = gql(REGISTER, {"email": "kurt@teile-hamburg.de", "password": password, "role": "BUYER"})
        assert code_of(refused) == "BAD_USER_INPUT", refused
        assert refused["errors"][0]["extensions"]["field"] == "password"
        assert "Add another word or two" in refused["errors"][0]["message"]
    supplier = gql(
        """mutation ($password: String!) { register(input: {email: "sales@ruifeng-reman.cn", password: $password,
             role: SUPPLIER, supplier: {nameEn: "Ruifeng Remanufacturing", nameZh: "瑞丰再制造",
             uscc: "91500152MB0000001X"}}) { token } }""",
        {"password": "Ruifeng Remanufacturing"},
    )
    assert code_of(supplier) == "BAD_USER_INPUT" and supplier["errors"][0]["extensions"]["field"] == "password"


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    """The wall clock stopped: the throttle's windows live in `limits`' storage, which reads it,
    and a slow run must not outlast the first one-second wait between two attempts."""
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def test_login_throttling_answers_rate_limited(gql: GraphQL, frozen: time_machine.Traveller) -> None:
    register(gql)
    for _ in range(3):
        assert code_of(gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "guessing..."})) == "UNAUTHENTICATED"
    limited = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})
    assert code_of(limited) == "RATE_LIMITED"
    assert limited["errors"][0]["extensions"]["retryAfterSeconds"] > 0


@pytest.fixture
def behind_proxy(databases: Databases) -> Iterator[TestClient]:
    """The gateway behind our own proxy on 127.0.0.1, which names each visitor's address."""
    settings = GatewaySettings(database_url=databases.migrated("gateway"), trusted_proxies="127.0.0.0/8")
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:
        yield client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def login_from(client: TestClient, address: str, email: str, password: str) -> dict[str, Any]:
    answer = client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"e": email, "p": password}},
        headers={"X-Forwarded-For": address},
    )
    result: dict[str, Any] = answer.json()
    return result


def test_an_attacker_failing_fifty_times_does_not_lock_the_owner_out(
    behind_proxy: TestClient, frozen: time_machine.Traveller
) -> None:
    # The fifty attempts come within the same second, however slow the machine.
    register(GraphQL(behind_proxy))
    attempts = [
        code_of(login_from(behind_proxy, "203.0.113.66", "kurt@teile-hamburg.de", f"guess number {n}"))
        for n in range(50)
    ]
    # The attacker's own address is slowed down after a few failures ...
    assert attempts[:3] == ["UNAUTHENTICATED"] * 3
    assert set(attempts[3:]) == {"RATE_LIMITED"}
    # ... while the owner, from their own address, gets in with the right password.
    owner = login_from(behind_proxy, "198.51.100.7", "kurt@teile-hamburg.de", "a long passphrase")
    assert "errors" not in owner, owner
    assert owner["data"]["login"]["token"]


def test_login_waits_grow_for_the_pair_and_a_success_resets_it(gql: GraphQL, frozen: time_machine.Traveller) -> None:
    register(gql)

    def attempt(password: str) -> dict[str, Any]:
        result: dict[str, Any] = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": password})
        return result

    for _ in range(3):
        assert code_of(attempt("guessing...")) == "UNAUTHENTICATED"
    waits = []
    for _ in range(3):
        limited = attempt("guessing...")
        assert code_of(limited) == "RATE_LIMITED"
        waits.append(limited["errors"][0]["extensions"]["retryAfterSeconds"])
        frozen.shift(waits[-1])
        assert code_of(attempt("guessing...")) == "UNAUTHENTICATED"
    assert waits == [1, 2, 4]
    frozen.shift(8)
    assert "errors" not in attempt("a long passphrase")
    # A success starts the pair afresh: a typo afterwards is not met with a long wait.
    assert code_of(attempt("a long passfrase")) == "UNAUTHENTICATED"
    assert "errors" not in attempt("a long passphrase")


def test_refresh_token_gives_a_new_pair_once(gql: GraphQL) -> None:
    payload = register(gql)
    query = "mutation ($t: String!) { refreshToken(refreshToken: $t) { token refreshToken } }"
    renewed = gql(query, {"t": payload["refreshToken"]})["data"]["refreshToken"]
    assert renewed["refreshToken"] != payload["refreshToken"]
    assert gql(VIEWER, token=renewed["token"])["data"]["viewer"]["account"]["email"] == "kurt@teile-hamburg.de"
    assert code_of(gql(query, {"t": payload["refreshToken"]})) == "UNAUTHENTICATED"


REFRESH = "mutation ($t: String!) { refreshToken(refreshToken: $t) { token refreshToken } }"


def test_a_replayed_refresh_token_ends_every_session_of_its_login(gql: GraphQL) -> None:
    register(gql)
    first = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})["data"]["login"]
    other_device = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})["data"]["login"]
    second = gql(REFRESH, {"t": first["refreshToken"]})["data"]["refreshToken"]
    replayed = gql(REFRESH, {"t": first["refreshToken"]})
    assert code_of(replayed) == "UNAUTHENTICATED" and replayed["errors"][0]["extensions"]["field"] == "refreshToken"
    # The token the replay descends from is revoked too, whoever holds it now ...
    assert code_of(gql(REFRESH, {"t": second["refreshToken"]})) == "UNAUTHENTICATED"
    # ... while a separate login (another device) goes on.
    assert "errors" not in gql(REFRESH, {"t": other_device["refreshToken"]})


def test_access_tokens_of_an_ended_login_stop_at_their_next_request(gql: GraphQL) -> None:
    register(gql)
    login = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})["data"]["login"]
    other_device = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})["data"]["login"]
    rotated = gql(REFRESH, {"t": login["refreshToken"]})["data"]["refreshToken"]
    assert gql(VIEWER, token=rotated["token"])["data"]["viewer"]["account"]["email"] == "kurt@teile-hamburg.de"
    gql(REFRESH, {"t": login["refreshToken"]})  # the replay
    for token in (login["token"], rotated["token"]):
        response = gql.client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert gql(VIEWER, token=other_device["token"])["data"]["viewer"]["account"]["email"] == "kurt@teile-hamburg.de"


def test_bad_credentials_refuse_the_whole_request(gql: GraphQL) -> None:
    for token in ("not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "tnx_0123456789ab_forged"):
        response = gql.client.post(
            "/graphql", json={"query": "{ apiVersion }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.json()["data"] is None


def test_api_keys_read_scope_revocation_and_last_use(gql: GraphQL) -> None:
    token = register(gql)["token"]
    read_key = gql(CREATE_KEY, {"name": "ERP nightly", "scope": "READ"}, token=token)["data"]["createApiKey"]
    assert read_key["key"].startswith("tnx_") and read_key["apiKey"]["lastUsedAt"] is None

    as_key = gql(VIEWER, token=read_key["key"])
    assert as_key["data"]["viewer"]["account"]["email"] == "kurt@teile-hamburg.de"
    node = gql(
        "query ($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }",
        {"id": read_key["apiKey"]["id"]},
        token=token,
    )
    assert node["data"]["node"]["lastUsedAt"] is not None

    refused = gql(CREATE_KEY, {"name": "escalate", "scope": "READ_WRITE"}, token=read_key["key"])
    assert code_of(refused) == "FORBIDDEN"

    revoked = gql(REVOKE_KEY, {"id": read_key["apiKey"]["id"]}, token=token)
    assert revoked["data"]["revokeApiKey"]["revokedAt"] is not None
    response = gql.client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {read_key['key']}"}
    )
    assert response.status_code == 401 and "revoked" in response.json()["errors"][0]["message"]


def test_one_account_cannot_see_or_revoke_anothers_key(gql: GraphQL) -> None:
    owner = register(gql)["token"]
    key = gql(CREATE_KEY, {"name": "fleet", "scope": "READ"}, token=owner)["data"]["createApiKey"]["apiKey"]
    other = register(gql, "someone@dubai-fleet.ae")["token"]
    assert gql("query ($id: ID!) { node(id: $id) { id } }", {"id": key["id"]}, token=other)["data"]["node"] is None
    assert code_of(gql(REVOKE_KEY, {"id": key["id"]}, token=other)) == "FORBIDDEN"
