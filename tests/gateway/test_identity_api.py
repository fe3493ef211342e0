"""Identity through the public GraphQL API: codes, tokens and API keys as integrators see them."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import GraphQL

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


def test_login_throttling_answers_rate_limited(gql: GraphQL) -> None:
    register(gql)
    for _ in range(3):
        assert code_of(gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "guessing..."})) == "UNAUTHENTICATED"
    limited = gql(LOGIN, {"e": "kurt@teile-hamburg.de", "p": "a long passphrase"})
    assert code_of(limited) == "RATE_LIMITED"
    assert limited["errors"][0]["extensions"]["retryAfterSeconds"] > 0


def test_refresh_token_gives_a_new_pair_once(gql: GraphQL) -> None:
    payload = register(gql)
    query = "mutation ($t: String!) { refreshToken(refreshToken: $t) { token refreshToken } }"
    renewed = gql(query, {"t": payload["refreshToken"]})["data"]["refreshToken"]
    assert renewed["refreshToken"] != payload["refreshToken"]
    assert gql(VIEWER, token=renewed["token"])["data"]["viewer"]["account"]["email"] == "kurt@teile-hamburg.de"
    assert code_of(gql(query, {"t": payload["refreshToken"]})) == "UNAUTHENTICATED"


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
