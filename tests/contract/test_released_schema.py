"""The contract checks of gateway/contract.py: what breaks an integrator fails, what only adds passes.

No service or database: these read SDL only, so they run in any clone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import contract
from gateway.schema import schema

RELEASED = """
type Query { part(id: ID!): Part  parts(first: Int): [Part!]! }
type Part { id: ID!  sku: String!  priceCny: Int!  title: String }
input PartFilter { make: String }
enum Condition { NEW USED }
"""


def changes(current: str) -> tuple[list[str], list[str]]:
    return contract.release_changes(RELEASED, current)


def test_the_same_schema_has_no_change() -> None:
    assert changes(RELEASED) == ([], [])


def test_a_removed_field_is_breaking_and_named() -> None:
    breaking, _ = changes(RELEASED.replace("  title: String", ""))
    assert breaking == ["FIELD_REMOVED: Field Part.title was removed."]


def test_a_renamed_field_is_breaking() -> None:
    breaking, _ = changes(RELEASED.replace("sku: String!", "partNumber: String!"))
    assert breaking == ["FIELD_REMOVED: Field Part.sku was removed."]


def test_a_changed_type_is_breaking_and_named() -> None:
    breaking, _ = changes(RELEASED.replace("priceCny: Int!", "priceCny: String!"))
    assert breaking == ["FIELD_CHANGED_KIND: Field Part.priceCny changed type from Int! to String!."]


def test_an_added_required_argument_is_breaking_and_named() -> None:
    breaking, _ = changes(RELEASED.replace("parts(first: Int)", "parts(first: Int, market: String!)"))
    assert breaking == ["REQUIRED_ARG_ADDED: A required argument Query.parts(market:) was added."]


def test_an_added_optional_field_or_argument_passes() -> None:
    current = RELEASED.replace("title: String }", "title: String  weightGrams: Int }").replace(
        "parts(first: Int)", "parts(first: Int, market: String)"
    )
    breaking, dangerous = changes(current)
    assert breaking == []
    # An optional argument is only dangerous (printed, not failed): it may change an answer.
    assert dangerous == ["OPTIONAL_ARG_ADDED: An optional argument Query.parts(market:) was added."]


def test_an_added_enum_value_is_dangerous_but_passes() -> None:
    breaking, dangerous = changes(RELEASED.replace("NEW USED", "NEW USED REMANUFACTURED"))
    assert breaking == []
    assert dangerous == ["VALUE_ADDED_TO_ENUM: Enum value Condition.REMANUFACTURED was added."]


def test_the_check_fails_with_one_line_per_breaking_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    released, current, public = tmp_path / "released.graphql", tmp_path / "schema.graphql", tmp_path / "public.graphql"
    released.write_text(RELEASED)
    public.write_text("type Part { sku: String! }")
    current.write_text(RELEASED.replace("  title: String", "").replace("priceCny: Int!", "priceCny: Float!"))
    assert contract.check(current, public, released) == 1
    out = capsys.readouterr().out
    assert "released schema, breaking: FIELD_REMOVED: Field Part.title was removed." in out
    assert "released schema, breaking: FIELD_CHANGED_KIND: Field Part.priceCny changed type from Int! to Float!." in out
    assert "contract: public.graphql holds" in out


def test_a_release_records_the_schema_and_then_passes(tmp_path: Path) -> None:
    released, current, public = tmp_path / "released.graphql", tmp_path / "schema.graphql", tmp_path / "public.graphql"
    released.write_text(RELEASED)
    public.write_text("type Part { sku: String! }")
    current.write_text(RELEASED.replace("  title: String", ""))
    assert contract.check(current, public, released) == 1
    contract.release(current, released)
    assert contract.check(current, public, released) == 0


@pytest.mark.parametrize(
    ("schema_sdl", "breach"),
    [
        ("type Part { id: ID! }", "Part.sku: missing"),
        ("type Part { sku: Int! }", "Part.sku: type Int!, the contract has String!"),
        ("type Part { sku: String }", "Part.sku: type String, the contract has String!"),
        ("type Part { sku(format: String!): String! }", "Part.sku(format): added as required"),
        ("interface Part { sku: String! }", "Part: is a interface, the contract has a type"),
    ],
)
def test_the_public_contract_names_each_breach(schema_sdl: str, breach: str) -> None:
    breaches = contract.contract_breaches(
        "type Query { part: Part }\n" + schema_sdl, "type Query { part: Part }\ntype Part { sku: String! }"
    )
    assert any(b.startswith(breach) for b in breaches), breaches


def test_the_public_contract_allows_what_cannot_break_a_client() -> None:
    # A nullable output made non-null, an added optional argument, an added field.
    schema_sdl = "type Query { part: Part! }\ntype Part { sku: String! title(locale: String): String! extra: Int }"
    contract_sdl = "type Query { part: Part }\ntype Part { sku: String! title: String }"
    assert contract.contract_breaches(schema_sdl, contract_sdl) == []


def test_the_gateway_schema_keeps_the_contract_and_breaks_no_release() -> None:
    """The code's schema, not only the committed file, against the repository's contract files."""
    current = schema.as_str()
    assert contract.contract_breaches(current, contract.PUBLIC.read_text(encoding="utf-8")) == []
    breaking, _ = contract.release_changes(contract.RELEASED.read_text(encoding="utf-8"), current)
    assert breaking == []
