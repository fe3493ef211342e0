"""A field's selection is converted once per query and variables, and never handed to a
request that asked for something else."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.types import Info
from strawberry.types.nodes import Selection

from gateway.catalog.prefetch import SelectionCache, selected_under

cache = SelectionCache()
seen: list[list[Selection]] = []


@strawberry.type
class Box:
    @strawberry.field
    def size(self, unit: str | None = None) -> int:
        return 1

    @strawberry.field
    def label(self) -> str:
        return "box"


@strawberry.type
class Query:
    @strawberry.field
    def box(self, info: Info) -> Box:
        seen.append(cache.get(info))
        return Box()


# As in the gateway: the parser cache hands every request of the same text the same document.
schema = strawberry.Schema(query=Query, extensions=[lambda: ParserCache(maxsize=16)])
QUERY = "query ($unit: String) { box { size(unit: $unit) label } }"


def selection(query: str, variables: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    result = asyncio.run(schema.execute(query, variable_values=variables))
    assert result.errors is None, result.errors
    return [(f.name, f.arguments) for f in selected_under(seen[-1], ())]


def test_the_same_query_and_variables_share_one_conversion() -> None:
    assert selection(QUERY, {"unit": "cm"}) == [("size", {"unit": "cm"}), ("label", {})]
    assert selection(QUERY, {"unit": "cm"}) == [("size", {"unit": "cm"}), ("label", {})]
    assert seen[-1] is seen[-2]


def test_other_variables_or_another_query_get_their_own_selection() -> None:
    assert selection(QUERY, {"unit": "cm"}) == [("size", {"unit": "cm"}), ("label", {})]
    assert selection(QUERY, {"unit": "in"}) == [("size", {"unit": "in"}), ("label", {})]
    assert selection(QUERY) == [("size", {"unit": None}), ("label", {})]
    assert selection("{ box { label } }") == [("label", {})]
    assert selection('{ box { label size(unit: "mm") } }') == [("label", {}), ("size", {"unit": "mm"})]
