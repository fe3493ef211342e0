"""Search ranking and listing rules on small hand-made catalogues."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.catalog.conftest import as_supplier, create_part, create_supplier
from tests.catalog.test_search import nodes, search


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
