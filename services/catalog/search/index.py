"""Keeping the search index in step with the parts, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, delete, insert, select
from sqlmodel import Session

from services.catalog.models import Part, SearchDoc, SearchPosting
from services.catalog.search import text

DOCS = cast(Table, SearchDoc.__table__)  # type: ignore[attr-defined]
POSTINGS = cast(Table, SearchPosting.__table__)  # type: ignore[attr-defined]


def part_weights(part: Part) -> dict[str, int]:
    return text.weights(
        {
            "title": (part.title_en, part.title_zh),
            "brand": (part.brand,),
            "description": (part.description_en, part.description_zh),
        }
    )


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
