"""A search's facet counts are kept a minute per process: the next pages of a search, and the same
search by the next buyer, count nothing again. The results themselves are never kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.common.clock import travel
from tests.catalog.factories import create_part, create_supplier, forget_kept_answers, nodes, search
from tests.statements import selects_sent


def counted(selects: list[str]) -> int:
    return sum("facet_matches" in s for s in selects)


def listed(client: TestClient, *, remanufactured: int) -> tuple[str, Engine]:
    """A supplier listing `remanufactured` alternators for the Golf and one used for the Audi A4."""
    supplier = create_supplier(client)["id"]
    for _ in range(remanufactured):
        create_part(client, supplier)
    create_part(
        client,
        supplier,
        condition="USED",
        fitments=[{"make": "Audi", "model": "A4", "year_from": 2010, "year_to": 2015}],
    )
    return supplier, client.app.state.engine  # type: ignore[attr-defined]


# Each way a search is answered: words with a filter, one word alone (its postings walked in
# order), and a filter alone.
ASKED = [{"q": "alternator golf", "category": "alternator"}, {"q": "alternator"}, {"category": "alternator"}]


@pytest.mark.parametrize("asked", ASKED, ids=["text", "word", "browse"])
def test_the_next_page_reuses_the_counts_and_a_new_part_is_counted_a_minute_later(
    client: TestClient, asked: dict[str, str]
) -> None:
    supplier, engine = listed(client, remanufactured=3)

    with selects_sent(engine) as selects:
        first = search(client, **asked, facets=True, first=2)
    assert counted(selects) == 1
    assert first["facets"]["condition"] == [{"value": "REMANUFACTURED", "count": 3}, {"value": "USED", "count": 1}]
    with selects_sent(engine) as selects:
        second = search(client, **asked, facets=True, first=2, after=first["page_info"]["end_cursor"])
    assert counted(selects) == 0 and second["facets"] == first["facets"]
    assert {p["id"] for p in nodes(first)}.isdisjoint(p["id"] for p in nodes(second))

    create_part(client, supplier, condition="USED")
    again = search(client, **asked, facets=True, first=10)
    assert len(nodes(again)) == 5, "results are never kept"
    assert again["facets"] == first["facets"]
    # Another filter is another search.
    used = search(client, **asked, condition="USED", facets=True)
    assert used["facets"]["condition"] == [{"value": "USED", "count": 2}]

    with travel(timedelta(seconds=61)):
        later = search(client, **asked, facets=True, first=2)
    assert later["facets"]["condition"] == [{"value": "REMANUFACTURED", "count": 3}, {"value": "USED", "count": 2}]


@pytest.mark.parametrize("asked", ASKED, ids=["text", "word", "browse"])
def test_a_first_page_holding_every_match_counts_the_facets_of_its_own_parts(
    client: TestClient, asked: dict[str, str]
) -> None:
    _supplier, engine = listed(client, remanufactured=2)

    with selects_sent(engine) as selects:
        whole = search(client, **asked, facets=True, first=10)
    assert len(nodes(whole)) == 3 and not whole["page_info"]["has_next_page"]
    (facet_statement,) = [s for s in selects if "facet_matches" in s]
    # The page's three parts by id: no candidates read again.
    assert "search_posting" not in facet_statement and "part.id IN (" in facet_statement
    forget_kept_answers(client)
    # Counted the long way, over the matches found again, the counts are the same.
    with selects_sent(engine) as selects:
        paged = search(client, **asked, facets=True, first=2)
    assert paged["page_info"]["has_next_page"] and counted(selects) == 1
    assert whole["facets"] == paged["facets"]
    assert whole["facets"]["condition"] == [{"value": "REMANUFACTURED", "count": 2}, {"value": "USED", "count": 1}]
    assert {"value": "Audi", "count": 1} in whole["facets"]["make"]
