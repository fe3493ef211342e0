"""Search ranking and listing rules on small hand-made catalogues."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.catalog import service
from services.catalog.contract import PartCreate
from services.catalog.search import query, text
from services.common.db import session_scope
from tests.catalog.factories import create_part, create_supplier, nodes, part_body, search
from tests.factories import as_supplier
from tests.statements import selects_sent


def test_relevance_puts_title_matches_first(client: TestClient) -> None:
    supplier = create_supplier(client)
    in_description = create_part(
        client, supplier["id"], title_en="Reman starter motor", description_en="Not a turbocharger."
    )
    in_title = create_part(client, supplier["id"], title_en="Remanufactured turbocharger", category="turbocharger")
    hits = nodes(search(client, q="turbocharger"))
    assert [p["id"] for p in hits] == [in_title["id"], in_description["id"]]


def test_a_supplier_search_sees_only_listed_parts(client: TestClient) -> None:
    supplier = create_supplier(client)
    part = create_part(client, supplier["id"], title_en="Remanufactured flywheel", category="flywheel")
    client.delete(f"/parts/{part['id']}", headers=as_supplier(supplier["id"]))
    assert search(client, q="flywheel")["edges"] == []
    assert search(client, category="flywheel")["edges"] == []


def test_sparse_combinations_of_common_words_widen_the_candidate_set(client: TestClient, engine: Engine) -> None:
    """1,070 parts say "golf" in the title; 30 older ones say it only in the description and are
    alternators. The first candidates (the newest postings of each word) miss the 30, so the
    search must widen to find them all."""
    supplier = create_supplier(client)
    owner = uuid.UUID(supplier["id"])
    bodies = [  # the 30 first: the oldest postings of both words
        part_body(
            sku=f"X-{n}", title_en=f"Remanufactured alternator {n}", title_zh=None, description_en="Fits the Golf."
        )
        for n in range(30)
    ]
    bodies += [
        part_body(
            sku=f"G-{n}",
            title_en=f"Remanufactured steering rack for VW Golf {n}",
            title_zh=None,
            description_en="Electric rack.",
            category="steering_rack",
        )
        for n in range(1070)
    ]
    bodies += [
        part_body(sku=f"A-{n}", title_en=f"Remanufactured alternator for Corolla {n}", title_zh=None)
        for n in range(1150)
    ]
    with session_scope(engine) as session:
        service.write_parts(session, [service.prepare_part(owner, PartCreate.model_validate(b)) for b in bodies])

    found: list[str] = []
    after = None
    while True:
        params = {"q": "golf alternator", "first": 8} | ({"after": after} if after else {})
        page = search(client, **params)
        found += [p["sku"] for p in nodes(page)]
        assert page["exhaustive"] is True
        if not page["page_info"]["has_next_page"]:
            break
        after = page["page_info"]["end_cursor"]
    assert sorted(found) == sorted(f"X-{n}" for n in range(30))
    faceted = search(client, q="golf alternator", facets=True)["facets"]
    assert faceted["category"] == [{"value": "alternator", "count": 30}]


def test_the_rarest_word_drives_also_among_words_past_the_count_cap() -> None:
    # Below the cap the count decides; past it every word counts DF_CAP + 1 and the density of
    # its newest postings decides, whatever the words' alphabetical order.
    capped = query.DF_CAP + 1
    counts = {
        "动机": query.TermCount(df=capped, span=capped),  # in every part
        "起动": query.TermCount(df=capped, span=capped * 20),  # in one part of twenty
        "高尔": query.TermCount(df=capped, span=capped * 24),
        "passat": query.TermCount(df=40, span=900),
    }
    assert query.rarest_first(counts) == ["passat", "高尔", "起动", "动机"]


def test_counting_a_common_word_measures_the_span_of_its_newest_postings(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cap of 10, "alternator" (in every part) and "golf" (in one part of four) count the same;
    their postings' spans tell them apart, and "golf" drives "alternator golf" though it sorts
    after "alternator"."""
    monkeypatch.setattr(query, "DF_CAP", 10)
    supplier = create_supplier(client)
    owner = uuid.UUID(supplier["id"])
    bodies = [
        part_body(
            sku=f"R-{n}",
            title_en=f"Remanufactured alternator {'for Golf' if n % 4 == 0 else 'for Corolla'} {n}",
            title_zh=None,
            category="alternator",
        )
        for n in range(80)
    ]
    with session_scope(engine) as session:
        service.write_parts(session, [service.prepare_part(owner, PartCreate.model_validate(b)) for b in bodies])
    alternator, golf = text.query_terms("alternator golf")  # stemmed as the index has them
    with session_scope(engine) as session:
        counts, _documents = query._term_counts(session, [alternator, golf])
    assert counts[alternator].df == counts[golf].df == 11
    assert counts[alternator].span == 11
    assert 38 <= counts[golf].span <= 44  # eleven of every fourth document
    assert query.rarest_first(counts) == [golf, alternator]
    found = [p["sku"] for p in nodes(search(client, q="alternator golf", first=50))]
    assert sorted(found) == sorted(f"R-{n}" for n in range(0, 80, 4))


@pytest.mark.parametrize(("first", "drivers"), [(2, 1), (20, 2)])
def test_a_filter_that_excludes_every_match_skips_the_candidates_that_cannot_fill_a_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, first: int, drivers: int
) -> None:
    """Four words past the count cap, named together in four parts, and a category none of the
    parts is in. The first candidates find nothing, so the search reads the widest set next,
    not the one between. The words alone match more than a page of two: the filter is what
    excludes, and no other word drives. They match less than a page of twenty: the driver may
    have been a poor one, and the next word drives, once."""
    monkeypatch.setattr(query, "DF_CAP", 2)
    supplier = create_supplier(client)["id"]
    for n in range(4):
        create_part(
            client, supplier, title_en=f"Remanufactured power steering pump {n}", category="power_steering_pump"
        )
    candidates = query._candidates
    read: list[tuple[str, int]] = []  # (driving word, level) of each candidate set read

    def reading(ordered: list[str], *args: Any, **kwargs: Any) -> Any:
        read.append((ordered[0], args[1]))
        return candidates(ordered, *args, **kwargs)

    monkeypatch.setattr(query, "_candidates", reading)
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with selects_sent(engine) as selects:
        found = search(client, q="power steering pump remanufactured", category="alternator", first=first)
    assert nodes(found) == []
    first_level, _, widest = query.CANDIDATE_LEVELS
    assert [level for _, level in read] == [first_level, widest, widest] + [widest] * (drivers - 1)
    assert len({word for word, _ in read[1:]}) == drivers
    assert sum(" AS ranked" in s for s in selects) == 1 + drivers
    assert sum(" AS words_only" in s for s in selects) == 1


def test_the_catalogs_connections_are_set_for_an_index_read_per_candidate(client: TestClient) -> None:
    """The search reads an index page per candidate: PostgreSQL plans a random read at about the
    cost of one in sequence (its default of 4 is a spinning disk's, and joined a word's candidates
    to whole tables by hash); SQLite keeps a large page cache and maps the file."""
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            assert connection.exec_driver_sql("SHOW random_page_cost").scalar_one() == "1.1"
        else:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == -131_072
            assert connection.exec_driver_sql("PRAGMA temp_store").scalar_one() == 2  # memory


def test_a_words_newest_postings_are_read_from_the_keys_index_alone(engine: Engine) -> None:
    """A search's candidates are its words' newest postings with their scores: on PostgreSQL the
    key's index holds the score (SQLite's table is its key)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'pk_search_posting'"
            ).scalar_one()
            assert definition.endswith("(term, doc) INCLUDE (score)")
        else:
            table = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'search_posting'"
            ).scalar_one()
            assert "WITHOUT ROWID" in table
