"""Keeping the search index in step with the parts, in the same transaction as the change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from services.catalog import domain
from services.catalog.models import Part, SearchDoc, SearchPosting, table
from services.catalog.search import text

DOCS = table(SearchDoc)
POSTINGS = table(SearchPosting)


@lru_cache(maxsize=256)
def _category_weights(category: str) -> dict[str, int]:
    """The same for every part of a category: computed once per process (callers only read it)."""
    return text.weights({"category": domain.category_synonyms().get(category, ())})


def part_weights(part: Part | Mapping[str, Any]) -> dict[str, int]:
    """Term weights of a part (a Part or a row dict with the same names).

    The part's own text is weighed as BM25 fields. Its category's names in every language
    (data/synonyms.json) and each title in a further language are weighed on their own, and a
    term keeps its best weight: they make the part findable by those words without changing
    how its own words rank it against other parts (neither lengthening its title nor adding up).
    """
    p = part if isinstance(part, Mapping) else part.__dict__
    weights = text.weights(
        {
            "title": (p.get("title_en"), p.get("title_zh")),
            "brand": (p.get("brand"),),
            "description": (p.get("description_en"), p.get("description_zh")),
        }
    )
    extra: list[dict[str, int]] = [_category_weights(str(p.get("category")))]
    translations: dict[str, str] = p.get("title_translations") or {}
    extra.extend(text.weights({"title": (title,)}) for title in translations.values())
    for found in extra:
        for term, weight in found.items():
            if weight > weights.get(term, 0):
                weights[term] = weight
    return weights


def terms_of(part: Part) -> set[str]:
    """Terms the part is indexed under now; pass them to `index_part` after changing its text."""
    return set(part_weights(part))


def index_part(session: Session, part: Part, previous_terms: Iterable[str] | None = None) -> None:
    """(Re)index one part: listed parts are searchable, delisted ones are not.

    `previous_terms` are the terms before an edit (postings are keyed by term, so removing
    them by term uses the primary key); without them the current text's terms are removed.
    """
    doc = session.scalar(select(DOCS.c.doc).where(DOCS.c.part_id == part.id))
    if doc is not None:
        old = set(previous_terms) if previous_terms is not None else terms_of(part)
        old |= terms_of(part)
        if old:
            session.execute(delete(POSTINGS).where(POSTINGS.c.doc == doc, POSTINGS.c.term.in_(sorted(old))))
    if not part.listed:
        if doc is not None:
            session.execute(delete(DOCS).where(DOCS.c.doc == doc))
        return
    if doc is None:
        doc = session.execute(insert(DOCS).values(part_id=part.id).returning(DOCS.c.doc)).scalar_one()
    rows = [{"term": term, "doc": doc, "score": score} for term, score in part_weights(part).items()]
    if rows:
        session.execute(insert(POSTINGS), rows)


def index_new_parts(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Index many new parts (row dicts) that have no index entries yet, with multi-row inserts."""
    listed = [r for r in rows if r.get("listed", True)]
    if not listed:
        return
    ids = [r["id"] for r in listed]
    connection = session.connection()
    connection.execute(insert(DOCS), [{"part_id": i} for i in ids])
    docs: dict[uuid.UUID, int] = {}
    for start in range(0, len(ids), 500):
        found = connection.execute(
            select(DOCS.c.part_id, DOCS.c.doc).where(DOCS.c.part_id.in_(ids[start : start + 500]))
        )
        docs.update({part_id: doc for part_id, doc in found})
    postings = [{"term": t, "doc": docs[r["id"]], "score": w} for r in listed for t, w in part_weights(r).items()]
    if postings:
        connection.execute(insert(POSTINGS), postings)
