"""Search: full text (English and Chinese), filters, facets, sorting and keyset pagination.

How ranking stays bounded at a million parts (measured in services/catalog/README.md, Performance):
- every (term, part) posting carries its precomputed weight, and the index is ordered by
  (term, score), so a one-word query walks the best postings first and stops at the page size,
  however common the word;
- a query of several words, or a word with filters, ranks a bounded candidate set: the newest
  postings of each word (1,000 in all), widening to the rarest word's newest 5,000 and 20,000
  only while that finds less than a page (straight to 20,000 when the last set's finds say
  5,000 would not fill one), so the cost does not grow with the number of matches.
  `exhaustive` is false when that cap cut the candidate set; the pages of one query keep the
  set of its first page;
- facet counts are taken over the first FACET_CAP matches (`facets.exhaustive` says so);
- document frequencies are counted up to DF_CAP only, which is enough to tell rare words
  from common ones for the idf weight; words past the cap are told apart by how densely their
  newest postings cover the documents, so the rarest of several common words drives.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, String, and_, desc, exists, func, literal, select, tuple_, union, union_all
from sqlalchemy import cast as sa_cast
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from services.catalog import domain
from services.catalog import markets as part_markets
from services.catalog.contract import Condition, FacetCount, Facets, PageInfo, SortOrder
from services.catalog.models import Fitment, Part, PartMarket, PartNumber, SearchDoc, SearchPosting, Stock, table
from services.catalog.search import text
from services.common.errors import BadInput
from services.common.memo import Kept
from services.common.pagination import decode_cursor, encode_cursor, page_size

# A ranked query of several words (or one word with filters) looks at the best 1,000 postings
# of its rarest word first, and at 5,000 or 20,000 only when that finds less than a page.
CANDIDATE_LEVELS = (1_000, 5_000, 20_000)
PROBE_LEVEL = 1_000
DF_CAP = 10_000
FACET_CAP = 2_000
MAX_QUERY_TERMS = 12

P = table(Part)
D = table(SearchDoc)
SP = table(SearchPosting)
F = table(Fitment)
S = table(Stock)
PN = table(PartNumber)
PM = table(PartMarket)


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str | None = None
    category: str | None = None
    condition: str | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    vin: str | None = None
    supplier_id: uuid.UUID | None = None
    in_stock: bool = False
    ships_to: str | None = None  # ISO alpha-2: only parts that may be sold there today
    sort: SortOrder | None = None
    first: int | None = None
    after: str | None = None
    facets: bool = False
    locale: str | None = None


def _filters(params: SearchParams) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [P.c.listed.is_(True)]
    if params.category:
        conds.append(P.c.category == domain.category(params.category).code)
    if params.condition:
        try:
            conds.append(P.c.condition == Condition(params.condition.upper()).value)
        except ValueError:
            raise BadInput(
                f"unknown condition; expected one of {', '.join(c.value for c in Condition)}",
                field="condition",
            ) from None
    if params.supplier_id:
        conds.append(P.c.supplier_id == params.supplier_id)
    make_keys: tuple[str, ...] = domain.make_keys(params.make) if params.make else ()
    year = params.year
    model = params.model
    if params.vin:
        decoded = domain.decode_vin(params.vin)
        make_keys = decoded.make_keys
        year = year or decoded.model_year
        # A VIN whose model code is known narrows to that model: a Golf's VIN lists no Passat parts.
        model = model or decoded.model
    if year is not None and not 1950 <= year <= 2100:
        raise BadInput("year must be between 1950 and 2100", field="year")
    if make_keys or model or year:
        fit: list[ColumnElement[bool]] = [F.c.part_id == P.c.id]
        if make_keys:
            fit.append(F.c.make_key.in_(make_keys))
        if model:
            fit.append(F.c.model_key == domain.key(model))
        if year:
            fit.extend([F.c.year_from <= year, F.c.year_to >= year])
        conds.append(exists().where(*fit))
    if params.in_stock:
        conds.append(exists().where(S.c.part_id == P.c.id, S.c.on_hand > S.c.reserved))
    if params.ships_to:
        # The markets read model (services/catalog/markets.py): one primary-key lookup per part,
        # and the conditions the country restricts left out (per country, from the bundled data).
        on = part_markets.today()
        ships = part_markets.ships_to_filter(params.ships_to, on=on)
        conds.append(exists().where(PM.c.part_id == P.c.id, PM.c.market == ships.market, PM.c.until >= on))
        if ships.restricted_conditions:
            conds.append(P.c.condition.not_in(ships.restricted_conditions))
    return conds


def _has_filters(params: SearchParams) -> bool:
    return bool(
        params.category
        or params.condition
        or params.supplier_id
        or params.make
        or params.model
        or params.year
        or params.vin
        or params.in_stock
        or params.ships_to
    )


@dataclass(frozen=True, slots=True)
class TermCount:
    """A query word's postings, counted from its newest up to DF_CAP + 1.

    `span` is how many document numbers the counted postings cover (newest minus oldest, plus
    one): a word past the cap that is in one part of ten spans ten times its count, one in every
    part spans its count, so the span tells common words apart where the count cannot.
    """

    df: int
    span: int

    @property
    def density(self) -> float:
        """Share of the documents in its span that carry the word (1.0 for every document)."""
        return self.df / max(self.span, 1)


def _term_counts(session: Session, terms: list[str]) -> tuple[dict[str, TermCount], int]:
    """Each term's posting count (up to DF_CAP + 1) and the span they cover, and the number of
    documents (the highest document number), in one round trip."""
    documents = select(literal(-1).label("i"), func.coalesce(func.max(D.c.doc), 0), literal(0))
    counts = [
        select(
            literal(i).label("i"),
            func.count().label("n"),
            (func.coalesce(func.max(newest.c.doc) - func.min(newest.c.doc), 0) + 1).label("span"),
        ).select_from(newest)
        for i, term in enumerate(terms)
        for newest in [
            select(SP.c.doc).where(SP.c.term == term).order_by(desc(SP.c.doc)).limit(DF_CAP + 1).subquery(f"d{i}")
        ]
    ]
    rows = session.execute(union_all(documents, *counts)).all()
    found = {terms[int(i)]: TermCount(int(n), int(span)) for i, n, span in rows if int(i) >= 0}
    return found, next(int(n) for i, n, _ in rows if int(i) < 0)


class WordCounts:
    """The query words' TermCounts and the number of documents, kept `seconds` in this process.

    They set each word's weight and which word drives, and every text search asks for them:
    counting a common word's newest 10,000 postings is about 3 ms of PostgreSQL's time, on
    every page of every search that names it. A minute of new listings hardly moves them, and
    the candidates are always read afresh, so results are never late. A word with no postings
    is not kept: a new part's new word is found at once.
    """

    def __init__(self, seconds: float) -> None:
        self.words = Kept[TermCount](seconds, max_entries=20_000)
        self.documents = Kept[int](seconds, max_entries=1)

    def counts(self, session: Session, terms: list[str]) -> tuple[dict[str, TermCount], int]:
        found = {t: c for t in terms if (c := self.words.get(t)) is not None}
        documents = self.documents.get(None)
        missing = [t for t in terms if t not in found]
        if missing or documents is None:
            counted, documents = _term_counts(session, missing)
            for term, count in counted.items():
                if count.df > 0:
                    self.words.put(term, count)
            self.documents.put(None, documents)
            found.update(counted)
        return found, documents

    def clear(self) -> None:
        self.words.clear()
        self.documents.clear()


# Counts every time: for callers without a memo of their own.
COUNTED_EVERY_TIME = WordCounts(0)


def rarest_first(counts: dict[str, TermCount]) -> list[str]:
    """Query words from the most selective, the one whose newest postings should drive.

    Below DF_CAP the exact count decides. Words past it all count DF_CAP + 1, so the density of
    their newest postings decides: `高尔夫 起动机` (Golf starter) is driven by `起动` or `高尔`,
    not by `动机`, which is in every engine part's title too and so finds few starters for Golf
    among its newest postings. The word itself breaks what is left of a tie, so the order is stable.
    """
    return sorted(counts, key=lambda t: (counts[t].df, counts[t].density, t))


def _cursor(after: str | None, arity: int) -> list[Any] | None:
    return decode_cursor(after, arity=arity) if after else None


def _bad_cursor() -> BadInput:
    return BadInput("malformed cursor", field="after")


@dataclass(slots=True)
class SearchResult:
    ids: list[uuid.UUID]
    cursors: list[str]
    page_info: PageInfo
    facets: Facets | None
    exhaustive: bool


def search(
    session: Session,
    params: SearchParams,
    kept: Kept[Facets] | None = None,
    word_counts: WordCounts = COUNTED_EVERY_TIME,
) -> SearchResult:
    """One page of part ids in order, with cursors and facets (the caller loads the parts). With
    `kept`, facet counts come from there when the same search was counted within its time: the
    next pages of a search count nothing again; `word_counts` likewise for the words' counts."""
    size = page_size(params.first)
    terms = text.query_terms(params.q or "")[:MAX_QUERY_TERMS]
    sort = params.sort or ("relevance" if terms else "newest")
    filters = _filters(params)
    number = _as_part_number(params.q)
    if number is not None and session.execute(select(PN.c.part_id).where(PN.c.normalised == number).limit(1)).first():
        # Someone typed an OEM or interchange number into the search box: its parts, cheapest first.
        filters.append(P.c.id.in_(select(PN.c.part_id).where(PN.c.normalised == number)))
        return _browse(session, params, "price_asc" if sort == "relevance" else sort, filters, size, kept)
    if terms:
        return _text_search(session, params, terms, sort, filters, size, kept, word_counts)
    if sort == "relevance":
        sort = "newest"
    return _browse(session, params, sort, filters, size, kept)


_PART_NUMBER_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z .\-/]{3,58}$")


def _as_part_number(q: str | None) -> str | None:
    """The normalised form of a query that looks like a part number (has a digit, 5+ characters)."""
    if not q or not _PART_NUMBER_LIKE.match(q.strip()):
        return None
    normalised = domain.normalise_part_number(q)
    return normalised if len(normalised) >= 5 and any(c.isdigit() for c in normalised) else None


def _sort_columns(sort: str) -> tuple[ColumnElement[Any], ColumnElement[Any], bool]:
    """(key column, tie-breaker, descending) for a part sort."""
    if sort == "newest":
        return P.c.created_at, P.c.id, True
    if sort == "price_asc":
        return P.c.price_cny, P.c.id, False
    if sort == "price_desc":
        return P.c.price_cny, P.c.id, True
    raise BadInput("sort must be relevance, price_asc, price_desc or newest", field="sort")


def _cursor_values(sort: str, values: list[Any]) -> tuple[Any, Any]:
    try:
        if sort == "newest":
            return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
        if sort in ("price_asc", "price_desc"):
            return int(values[0]), uuid.UUID(values[1])
        return int(values[0]), int(values[1])
    except (TypeError, ValueError):
        raise _bad_cursor() from None


def _encode(sort: str, key: Any, tie: Any) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    return encode_cursor([sort, key, str(tie) if isinstance(tie, uuid.UUID) else tie])


def _decode(after: str | None, sort: str) -> tuple[Any, Any] | None:
    values = _cursor(after, 3)
    if values is None:
        return None
    if values[0] != sort:
        raise BadInput("this cursor belongs to another sort order", field="after")
    return _cursor_values(sort, values[1:])


def _page(rows: list[tuple[uuid.UUID, Any, Any]], sort: str, size: int) -> tuple[list[uuid.UUID], list[str], PageInfo]:
    shown = rows[:size]
    cursors = [_encode(sort, key, tie) for _, key, tie in shown]
    info = PageInfo(has_next_page=len(rows) > size, end_cursor=cursors[-1] if cursors else None)
    return [r[0] for r in shown], cursors, info


def _browse(
    session: Session,
    params: SearchParams,
    sort: str,
    filters: list[ColumnElement[bool]],
    size: int,
    kept: Kept[Facets] | None,
) -> SearchResult:
    key, tie, descending = _sort_columns(sort)
    query = select(P.c.id, key, tie).where(*filters)
    after = _decode(params.after, sort)
    if after is not None:
        cmp = tuple_(key, tie) < tuple_(*after) if descending else tuple_(key, tie) > tuple_(*after)
        query = query.where(cmp)
    order = [desc(key), desc(tie)] if descending else [key, tie]
    rows = [(r[0], r[1], r[2]) for r in session.execute(query.order_by(*order).limit(size + 1))]
    ids, cursors, info = _page(rows, sort, size)
    facets = None
    if params.facets:
        facets = _counted(session, params, kept, select(P.c.id).where(*filters), whole=_whole(params, ids, info))
    return SearchResult(ids, cursors, info, facets, exhaustive=True)


def _text_search(
    session: Session,
    params: SearchParams,
    terms: list[str],
    sort: str,
    filters: list[ColumnElement[bool]],
    size: int,
    kept: Kept[Facets] | None,
    word_counts: WordCounts,
) -> SearchResult:
    counts, doc_count = word_counts.counts(session, terms)
    dfs = {t: c.df for t, c in counts.items()}
    if min(dfs.values()) == 0:
        no_facets = Facets(category=[], condition=[], make=[], exhaustive=True) if params.facets else None
        return SearchResult([], [], PageInfo(has_next_page=False, end_cursor=None), no_facets, exhaustive=True)
    ordered = rarest_first(counts)
    filtered = _has_filters(params)
    if len(ordered) == 1 and not filtered and sort == "relevance":
        return _single_term(session, params, ordered[0], size, kept)

    weights = {t: text.idf(doc_count, dfs[t]) for t in ordered}
    after = _decode_levelled(params.after, sort)
    # A next page keeps the candidate set (driver and level) of the first one, so pages never
    # overlap or skip.
    if after is not None:
        if after[3] >= len(ordered):
            raise _bad_cursor()
        driver, level = after[3], after[2]
        complete = _holds_every_match(ordered, dfs, driver, level)
        from_clause, total = _candidates(
            _driven_by(ordered, driver), weights, level, joined=filtered or sort != "relevance"
        )
        rows = _ranked_rows(session, from_clause, total, filters, sort, after, size)
    else:
        rows, driver, level, complete = _widening(session, ordered, dfs, weights, filters, filtered, sort, size)
    ordered = _driven_by(ordered, driver)
    tag = f"{sort}@{level}@{driver}"
    ids, cursors, info = _page(rows, tag, size)
    facets = None
    if params.facets:
        facet_from, _ = _candidates(ordered, weights, level, joined=True)
        base = select(P.c.id).select_from(facet_from).where(*filters)
        facets = _counted(session, params, kept, base, tuple(ordered), level, whole=_whole(params, ids, info))
    return SearchResult(ids, cursors, info, facets, exhaustive=complete)


Ranked = list[tuple[uuid.UUID, Any, Any]]


def _widening(
    session: Session,
    ordered: list[str],
    dfs: dict[str, int],
    weights: dict[str, int],
    filters: list[ColumnElement[bool]],
    filtered: bool,
    sort: str,
    size: int,
) -> tuple[Ranked, int, int, bool]:
    """A first page's rows, driving word and candidate level, and whether the candidates held
    every match: the smallest level that finds more than a page, or the widest.

    After the first level, the next is the smallest where the last one's finds, scaled by how
    many more candidates it looks at, would fill a page; failing that, the widest. A filter
    that leaves none of the first 1,000 candidates mostly leaves a handful of 20,000, and
    reading 5,000 first cost up to a second at a million parts for nothing.

    Words past DF_CAP are ordered by the density of their newest postings, an estimate: when
    the widest candidate set still finds less than a page and its words alone do not match
    more than one, the driver was a poor one for this combination and the next word drives
    instead, once. Where the words match and only a filter leaves too few, another driver
    would find the same parts (words past the cap that a query names together, such as the
    bigrams of one Chinese word, are in the same parts) at the cost of reading as many
    candidates again: 0.4 to 1.7 s at a million parts.
    """
    joined = filtered or sort != "relevance"
    best: tuple[Ranked, int, int, bool] | None = None
    driver, level = 0, CANDIDATE_LEVELS[0]
    while True:
        terms_in_order = _driven_by(ordered, driver)
        complete = _holds_every_match(ordered, dfs, driver, level)
        from_clause, total = _candidates(terms_in_order, weights, level, joined=joined)
        found = _ranked_rows(session, from_clause, total, filters, sort, None, size)
        if best is None or len(found) > len(best[0]):
            best = (found, driver, level, complete)
        if len(found) > size or complete:
            break
        wider = [n for n in CANDIDATE_LEVELS if n > level]
        if wider:
            covered = _covers(level, len(ordered))
            level = next((n for n in wider if len(found) * n > size * covered), wider[-1])
            continue
        if driver > 0 or len(ordered) < 2 or dfs[ordered[1]] <= DF_CAP:
            break
        if filtered and _words_match_a_page(session, terms_in_order, weights, level, size):
            break
        driver = 1
    return best


def _holds_every_match(ordered: list[str], dfs: dict[str, int], driver: int, level: int) -> bool:
    """Whether the driving word's candidates at `level` are all its postings, so every match."""
    return dfs[ordered[driver]] <= min(_covers(level, len(ordered)), DF_CAP)


def _driven_by(ordered: list[str], driver: int) -> list[str]:
    """The query's words with the driving one first."""
    return [ordered[driver], *ordered[:driver], *ordered[driver + 1 :]]


def _words_match_a_page(session: Session, ordered: list[str], weights: dict[str, int], level: int, size: int) -> bool:
    """Whether the candidates hold more than a page of parts with every word, filters aside:
    it stops reading at the page's worth, so it costs little where they do."""
    from_clause, _ = _candidates(ordered, weights, level, joined=False)
    matched = select(D.c.doc).select_from(from_clause).limit(size + 1).subquery("words_only")
    return session.execute(select(func.count()).select_from(matched)).scalar_one() > size


def _share(level: int, words: int) -> int:
    """Postings taken per word at a probed level."""
    return max(level // words, 200)


def _covers(level: int, words: int) -> int:
    """How many of the driving word's best postings a level looks at."""
    return _share(level, words) if level <= PROBE_LEVEL else level


def _candidates(
    ordered: list[str], weights: dict[str, int], level: int, *, joined: bool
) -> tuple[Any, ColumnElement[Any]]:
    """FROM clause of the `level` best postings of the rarest term that contain every other term.

    `joined` adds the part row (for filters and non-relevance sorts); otherwise ranking reads
    only the postings, and the page's few documents are mapped to parts afterwards.
    """
    rarest = ordered[0]
    if level <= PROBE_LEVEL:
        # Few candidates: the newest postings of every word (an equal share each; by recency,
        # not score, because a word's scores follow title length and so the category, and the
        # best of one word would systematically lack another), then one primary-key
        # probe per word and candidate (correlated scalar subqueries), never a scan of a common
        # word's postings, which PostgreSQL's row estimates for words would otherwise choose.
        share = _share(level, len(ordered))
        tops = [
            select(SP.c.doc).where(SP.c.term == term).order_by(desc(SP.c.doc)).limit(share).subquery(f"top{i}")
            for i, term in enumerate(ordered)
        ]
        union_of_tops = union(*(select(top.c.doc) for top in tops)).subquery("cand")
        probes = [
            select(SP.c.score)
            .where(SP.c.term == term, SP.c.doc == union_of_tops.c.doc)
            .scalar_subquery()
            .label(f"s{i}")
            for i, term in enumerate(ordered)
        ]
        # LIMIT keeps this a separate step (no flattening that would evaluate a probe twice).
        probe = select(union_of_tops.c.doc, *probes).limit(level).subquery("probe")
        total: ColumnElement[Any] = literal(0)
        for i, term in enumerate(ordered):
            total = total + sa_cast(probe.c[f"s{i}"], Integer) * weights[term]
        matched = (
            select(probe.c.doc.label("doc"), total.label("total"))
            .where(*(probe.c[f"s{i}"].is_not(None) for i in range(len(ordered))))
            .subquery("matched")
        )
    else:
        # Many candidates: the rarest word's newest postings, joined to the others (hash or merge joins).
        cand = (
            select(SP.c.doc, SP.c.score)
            .where(SP.c.term == rarest)
            .order_by(desc(SP.c.doc))
            .limit(level)
            .subquery("cand")
        )
        total = sa_cast(cand.c.score, Integer) * weights[rarest]
        joined_terms: Any = cand
        for i, term in enumerate(ordered[1:]):
            other = SP.alias(f"t{i}")
            joined_terms = joined_terms.join(other, and_(other.c.term == term, other.c.doc == cand.c.doc))
            total = total + sa_cast(other.c.score, Integer) * weights[term]
        matched = select(cand.c.doc.label("doc"), total.label("total")).select_from(joined_terms).subquery("matched")
    from_clause: Any = matched.join(D, D.c.doc == matched.c.doc)
    if joined:
        from_clause = from_clause.join(P, P.c.id == D.c.part_id)
    return from_clause, matched.c.total


def _ranked_rows(
    session: Session,
    from_clause: Any,
    total: ColumnElement[Any],
    filters: list[ColumnElement[bool]],
    sort: str,
    after: tuple[Any, Any, int, int] | None,
    size: int,
) -> list[tuple[uuid.UUID, Any, Any]]:
    if sort == "relevance":
        columns = [D.c.part_id.label("id"), total.label("key"), D.c.doc.label("tie")]
        descending = True
        where = filters[1:]  # every indexed part is listed; skip the listed test
    else:
        pkey, ptie, descending = _sort_columns(sort)
        columns = [P.c.id.label("id"), pkey.label("key"), ptie.label("tie")]
        where = filters
    inner = select(*columns).select_from(from_clause).where(*where).subquery("ranked")
    key, tie = inner.c.key, inner.c.tie
    query = select(inner.c.id, key, tie)
    if after is not None:
        position = tuple_(*after[:2])
        query = query.where(tuple_(key, tie) < position if descending else tuple_(key, tie) > position)
    order = [desc(key), desc(tie)] if descending else [key, tie]
    return [(r[0], r[1], r[2]) for r in session.execute(query.order_by(*order).limit(size + 1))]


def _decode_levelled(after: str | None, sort: str) -> tuple[Any, Any, int, int] | None:
    """(key, tie, candidate level, driving word) of a text-search cursor."""
    values = _cursor(after, 3)
    if values is None:
        return None
    tag, level, driver = [*str(values[0]).split("@"), "", ""][:3]
    if tag != sort:
        raise BadInput("this cursor belongs to another sort order", field="after")
    if not level.isdigit() or int(level) not in CANDIDATE_LEVELS or not driver.isdigit():
        raise _bad_cursor()
    key, tie = _cursor_values(sort, values[1:])
    return key, tie, int(level), int(driver)


def _single_term(
    session: Session, params: SearchParams, term: str, size: int, kept: Kept[Facets] | None
) -> SearchResult:
    """One word, no filters: walk the (term, score) index from the best posting; any frequency."""
    query = select(SP.c.doc, SP.c.score).where(SP.c.term == term)
    after = _decode(params.after, "relevance")
    if after is not None:
        query = query.where(tuple_(SP.c.score, SP.c.doc) < tuple_(*after))
    top = query.order_by(desc(SP.c.score), desc(SP.c.doc)).limit(size + 1).subquery("top")
    rows_raw = session.execute(
        select(D.c.part_id, top.c.score, top.c.doc)
        .select_from(top.join(D, D.c.doc == top.c.doc))
        .order_by(desc(top.c.score), desc(top.c.doc))
    ).all()
    rows = [(r[0], r[1], r[2]) for r in rows_raw]
    ids, cursors, info = _page(rows, "relevance", size)
    facets = None
    if params.facets:
        cand = (
            select(SP.c.doc)
            .where(SP.c.term == term)
            .order_by(desc(SP.c.score), desc(SP.c.doc))
            .limit(FACET_CAP)
            .subquery("cand")
        )
        base = select(P.c.id).select_from(cand.join(D, D.c.doc == cand.c.doc).join(P, P.c.id == D.c.part_id))
        facets = _counted(session, params, kept, base, term, whole=_whole(params, ids, info))
    return SearchResult(ids, cursors, info, facets, exhaustive=True)


def _whole(params: SearchParams, ids: list[uuid.UUID], info: PageInfo) -> list[uuid.UUID] | None:
    """The page's parts when they are every match: a first page with no next one."""
    return ids if params.after is None and not info.has_next_page else None


def _counted(
    session: Session,
    params: SearchParams,
    kept: Kept[Facets] | None,
    base: Select[Any],
    *plan: Hashable,
    whole: list[uuid.UUID] | None = None,
) -> Facets:
    """The facets of `base`'s matches, or those kept for the same search: the same words,
    filters and day, and the same plan (a text search's driving words and candidate level),
    whatever the page, sort or language asked. `whole`: the matches themselves, when a page
    holds them all; they are counted by id rather than found again."""
    if whole is not None:
        base = select(P.c.id).where(P.c.id.in_(whole))
    if kept is None:
        return _facets(session, base)
    key = (replace(params, first=None, after=None, sort=None, locale=None), part_markets.today(), *plan)
    return kept.get_or_put(key, lambda: _facets(session, base))


def _facets(session: Session, base: Select[Any]) -> Facets:
    """Counts per category, condition and make over the matches (the first FACET_CAP of them).

    One query, counted by the database: the capped matches once (a CTE PostgreSQL materialises
    because it is read three times), grouped by category, by condition, and joined to their
    fitments by make. Returning the matches to count them here sent ~2,500 rows per search page.
    """
    matches = base.add_columns(P.c.category, P.c.condition).limit(FACET_CAP).cte("facet_matches")
    by_category = select(literal("category").label("facet"), matches.c.category, literal(None, String), func.count())
    by_condition = select(literal("condition"), matches.c.condition, literal(None, String), func.count())
    by_make = select(literal("make"), F.c.make_key, func.min(F.c.make), func.count(matches.c.id.distinct()))
    rows = session.execute(
        union_all(
            by_category.group_by(matches.c.category),
            by_condition.group_by(matches.c.condition),
            by_make.select_from(matches.join(F, F.c.part_id == matches.c.id)).group_by(F.c.make_key),
        )
    ).all()
    found: dict[str, dict[str, int]] = {"category": {}, "condition": {}, "make": {}}
    for facet, value, name, count in rows:
        found[facet][name if facet == "make" else value] = int(count)

    def counts(values: dict[str, int]) -> list[FacetCount]:
        return [FacetCount(value=v, count=n) for v, n in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]

    return Facets(
        category=counts(found["category"]),
        condition=counts(found["condition"]),
        make=counts(found["make"]),
        exhaustive=sum(found["category"].values()) < FACET_CAP,
    )
