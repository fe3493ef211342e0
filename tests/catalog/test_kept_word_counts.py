"""A search word's posting count and the number of documents are kept a minute per process: the
next search naming the word counts only its other words. Results are never late, and a word
that had no postings is counted again at once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.common.clock import travel
from tests.catalog.factories import create_part, create_supplier, nodes, search
from tests.statements import selects_sent


def words_counted(selects: list[str]) -> list[int]:
    """For each statement counting words, how many words it counts (one subquery `d<i>` each)."""
    return [s.count("ORDER BY search_posting.doc DESC") for s in selects if "AS span" in s]


def test_a_words_count_is_kept_and_results_are_never_late(client: TestClient) -> None:
    supplier = create_supplier(client)["id"]
    for _ in range(3):
        create_part(client, supplier, title_en="Remanufactured alternator for Golf")
    create_part(client, supplier, title_en="Remanufactured alternator for Corolla")
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    with selects_sent(engine) as selects:
        assert len(nodes(search(client, q="alternator golf"))) == 3
    assert words_counted(selects) == [2]
    with selects_sent(engine) as selects:
        assert len(nodes(search(client, q="alternator corolla"))) == 1
    assert words_counted(selects) == [1], "only corolla is counted"

    create_part(client, supplier, title_en="Remanufactured alternator for Golf")
    with selects_sent(engine) as selects:
        assert len(nodes(search(client, q="golf alternator"))) == 4, "results are never kept"
    assert words_counted(selects) == []

    with travel(timedelta(seconds=61)), selects_sent(engine) as selects:
        search(client, q="alternator golf")
    assert words_counted(selects) == [2]


def test_a_word_without_postings_is_counted_again_so_a_new_part_is_found_at_once(client: TestClient) -> None:
    supplier = create_supplier(client)["id"]
    create_part(client, supplier, title_en="Remanufactured alternator for Golf")
    assert nodes(search(client, q="alternator passat")) == []
    create_part(client, supplier, title_en="Remanufactured alternator for Passat")
    assert [p["title"] for p in nodes(search(client, q="alternator passat"))] == [
        "Remanufactured alternator for Passat"
    ]
