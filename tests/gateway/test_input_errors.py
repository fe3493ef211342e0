"""A client's mistake in its input is answered BAD_USER_INPUT naming the field, before any
upstream call, and is not logged as an incident."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from strawberry import relay

from gateway.limits import MAX_ARGUMENT_LENGTHS
from tests.gateway.factories import GraphQL, Stack

PARTS_BY_CONDITION = "query ($c: PartCondition) { parts(filter: {condition: $c}) { edges { cursor } } }"
PARTS_BY_FILTER = "query ($f: PartFilter) { parts(filter: $f) { edges { cursor } } }"
REGISTER = """
mutation ($role: Role!) {
  register(input: {email: "nils@teile-kiel.de", password: "a long passphrase", role: $role}) { token }
}"""


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every test here asserts that nothing at WARNING or above reached the log."""
    with caplog.at_level(logging.INFO):
        yield caplog
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == []


def bad_input(result: dict[str, Any]) -> dict[str, Any]:
    """The one error of a refused request, checked to be the client's mistake."""
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    extensions: dict[str, Any] = error["extensions"]
    return {"message": error["message"], **extensions}


def test_a_bad_enum_value_in_a_variable_names_the_variable(stack: Stack, quiet: pytest.LogCaptureFixture) -> None:
    result = stack.gql(PARTS_BY_CONDITION, {"c": "BROKEN"})
    assert result.get("data") is None
    error = bad_input(result)
    assert error["field"] == "c"
    assert "BROKEN" in error["message"]
    assert stack.calls("catalog") == []


def test_a_bad_enum_value_inside_an_input_object_variable_names_its_path(
    stack: Stack, quiet: pytest.LogCaptureFixture
) -> None:
    error = bad_input(stack.gql(PARTS_BY_FILTER, {"f": {"condition": "BROKEN", "make": "VW"}}))
    assert error["field"] == "f.condition"
    # Other scalars that do not parse are the same mistake.
    error = bad_input(stack.gql(PARTS_BY_FILTER, {"f": {"year": "last year"}}))
    assert error["field"] == "f.year"
    assert stack.calls("catalog") == []


def test_a_good_enum_value_in_a_variable_still_filters(stack: Stack) -> None:
    result = stack.gql(
        "query ($c: PartCondition) { parts(first: 5, filter: {condition: $c}) { edges { node { condition } } } }",
        {"c": "REMANUFACTURED"},
    )
    edges = result["data"]["parts"]["edges"]
    assert edges and {e["node"]["condition"] for e in edges} == {"REMANUFACTURED"}


def lookup(field: str, id: object) -> str:
    return f'{{ {field}(id: "{id}") {{ id }} }}'


def a_part_id(stack: Stack) -> str:
    part_id: str = stack.gql("{ parts(first: 1) { edges { node { id } } } }")["data"]["parts"]["edges"][0]["node"]["id"]
    return part_id


@pytest.mark.parametrize(
    "query",
    [
        '{ node(id: "!!!") { id } }',
        '{ part(id: "not-base64") { id } }',
        '{ supplier(id: "!!!") { id } }',
        lookup("node", relay.GlobalID("NoSuchType", "0d2b1a4e-8e0f-4a4b-9d44-4a9f8d6c1e11")),
        lookup("node", relay.GlobalID("Part", "not-a-uuid")),
        lookup("part", relay.GlobalID("Part", "not-a-uuid")),
    ],
)
def test_a_malformed_global_id_names_the_argument(stack: Stack, quiet: pytest.LogCaptureFixture, query: str) -> None:
    result = stack.gql(query)
    error = bad_input(result)
    assert error["field"] == "id"
    assert stack.calls("catalog") == [] and stack.calls("certification") == []


def test_a_well_formed_id_of_another_type_names_the_argument(stack: Stack, quiet: pytest.LogCaptureFixture) -> None:
    part_id = a_part_id(stack)
    error = bad_input(stack.gql("query ($id: ID!) { supplier(id: $id) { id } }", {"id": part_id}))
    assert error == {"message": "not a Supplier id", "code": "BAD_USER_INPUT", "field": "id"}
    error = bad_input(stack.gql(f'{{ parts(filter: {{supplierId: "{part_id}"}}) {{ edges {{ cursor }} }} }}'))
    assert error["field"] == "filter.supplierId"


def test_an_order_line_is_not_fetched_by_node(stack: Stack, quiet: pytest.LogCaptureFixture) -> None:
    line_id = relay.GlobalID("OrderLine", "0d2b1a4e-8e0f-4a4b-9d44-4a9f8d6c1e11")
    error = bad_input(stack.gql(lookup("node", line_id)))
    assert error["field"] == "id"


def test_node_still_finds_a_part_by_its_global_id(stack: Stack) -> None:
    part_id = a_part_id(stack)
    result = stack.gql("query ($id: ID!) { node(id: $id) { id ... on Part { sku } } }", {"id": part_id})
    assert result["data"]["node"]["id"] == part_id and result["data"]["node"]["sku"]


def test_a_100_kb_search_is_refused_with_its_limit_before_any_upstream_call(
    stack: Stack, quiet: pytest.LogCaptureFixture
) -> None:
    stack.reset_counts()
    limit = MAX_ARGUMENT_LENGTHS["search"]
    assert limit is not None
    for query, variables in (
        ("query ($q: String) { parts(search: $q) { edges { cursor } } }", {"q": "bremse " * 17_000}),
        ('{ parts(search: "%s") { edges { cursor } } }' % ("x" * 100_000), {}),
    ):
        error = bad_input(stack.gql(query, variables))
        assert error["field"] == "search"
        assert str(limit) in error["message"]
    assert stack.calls("catalog") == []
    # At the limit the search is made.
    result = stack.gql("query ($q: String) { parts(search: $q) { edges { cursor } } }", {"q": "b" * limit})
    assert "errors" not in result and stack.calls("catalog")


def test_over_long_strings_elsewhere_are_refused_naming_their_path(
    stack: Stack, quiet: pytest.LogCaptureFixture
) -> None:
    stack.reset_counts()
    error = bad_input(stack.gql(PARTS_BY_FILTER, {"f": {"make": "V" * 5000}}))
    assert error["field"] == "filter.make"
    error = bad_input(stack.gql('{ partsByOemNumber(oemNumber: "%s") { id } }' % ("1" * 5000)))
    assert error["field"] == "oemNumber"
    error = bad_input(stack.gql('{ parts(after: "%s") { edges { cursor } } }' % ("c" * 5000)))
    assert error["field"] == "after"
    assert stack.calls("catalog") == []


@pytest.mark.parametrize("role", ["SYSTEM", "ADMIN", "INSPECTOR", "ANONYMOUS"])
def test_only_buyers_and_suppliers_may_register(gql: GraphQL, quiet: pytest.LogCaptureFixture, role: str) -> None:
    result = gql(REGISTER, {"role": role})
    error = bad_input(result)
    assert error["field"] in ("role", "input.role")
    assert error["field"] == ("role" if role in ("SYSTEM", "ANONYMOUS") else "input.role")
    assert gql("{ viewer { account { id } } }")["data"]["viewer"]["account"] is None


def test_a_buyer_still_registers(gql: GraphQL) -> None:
    result = gql(REGISTER, {"role": "BUYER"})
    assert result["data"]["register"]["token"]


def test_a_malformed_api_key_id_is_the_clients_mistake(gql: GraphQL, quiet: pytest.LogCaptureFixture) -> None:
    token = gql(REGISTER, {"role": "BUYER"})["data"]["register"]["token"]
    result = gql('mutation { revokeApiKey(id: "!!!") { id } }', token=token)
    assert bad_input(result)["message"] == 'Value cannot represent a GlobalID: "!!!".'


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (
            'mutation { register(input: {email: "nils@teile-kiel.de", password: "a long passphrase", role: SYSTEM})'
            " { token } }",
            "input.role",
        ),
        ("{ parts(filter: {condition: BROKEN}) { edges { cursor } } }", "filter.condition"),
        ('{ parts(filter: {year: "last year"}) { edges { cursor } } }', "filter.year"),
        (
            'mutation { createQuote(input: {lines: [{partId: "x", quantity: 1}, {partId: "y", quantity: "two"}],'
            ' destinationCountry: "DE", incoterm: DDP, currency: "EUR"}) { id } }',
            "input.lines.1.quantity",
        ),
    ],
)
def test_a_bad_value_written_in_the_document_names_its_argument(
    gql: GraphQL, quiet: pytest.LogCaptureFixture, query: str, field: str
) -> None:
    result = gql(query)
    assert result.get("data") is None
    assert bad_input(result)["field"] == field
