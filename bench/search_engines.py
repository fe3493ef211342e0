"""The search engines the catalog's own index is compared with, on the same loaded parts.

- `ours`: `services.catalog.search.query.search`, the function behind `GET /parts/search`.
- `tsvector` (PostgreSQL): one `tsvector` per part in a table of its own with a GIN index;
  English (and German) words through the `english` configuration, Chinese as character bigrams
  in the `simple` configuration; ranked by `ts_rank_cd`.
- `fts5` (SQLite): an FTS5 table with the `porter unicode61 remove_diacritics 2` tokenizer over
  text whose Chinese runs are pre-split into the same bigrams (the trigram tokenizer cannot
  match the many two-character Chinese words, `水泵`); ranked by `bm25`.

Both documents are built from the fields our index weighs, with the same priorities: title
(English and Chinese), the category's names in every language (data/synonyms.json), the
description with the OEM numbers, and the fitments' makes and models. All words of a query
must match in every engine. Each engine answers with the ids of a page of 20 parts (with a make
filter and facet counts over the first 2,000 matches where asked), and is timed for that alone:
loading the page's parts is the same work whichever engine found them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from bench.search_relevance import Judged
from services.catalog import domain
from services.catalog.search import query as our_query
from services.catalog.search.query import SearchParams

PAGE = 20
FACET_CAP = our_query.FACET_CAP
PG_TABLE = "bench_fts_tsvector"
FTS5_TABLE = "bench_fts5"
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def bigrams(run: str) -> list[str]:
    """A run of Chinese characters as its overlapping bigrams (one character stays itself)."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def split(text_: str | None) -> tuple[str, list[str]]:
    """(the text without its Chinese, the Chinese as bigrams)."""
    if not text_:
        return "", []
    return _CJK_RUN.sub(" ", text_), [b for run in _CJK_RUN.findall(text_) for b in bigrams(run)]


def pre_tokenised(text_: str | None) -> str:
    """The text with every Chinese run replaced by its bigrams, space-separated."""
    if not text_:
        return ""
    return _CJK_RUN.sub(lambda m: " " + " ".join(bigrams(m.group(0))) + " ", text_)


class SearchEngine(Protocol):
    name: str

    def page(self, session: Session, query: Judged) -> list[uuid.UUID]: ...


class Ours:
    name = "ours"

    def page(self, session: Session, query: Judged) -> list[uuid.UUID]:
        params = SearchParams(
            q=query.q, make=query.make if query.make_filter else None, facets=query.make_filter, first=PAGE
        )
        return our_query.search(session, params).ids


# --- Sources shared by both builds ----------------------------------------------------------


def _synonyms() -> dict[str, str]:
    names = domain.category_synonyms()
    return {code: " ".join(words) for code, words in names.items()}


def _source_rows(connection: Connection, batch: int = 20_000) -> Iterator[list[Any]]:
    """(doc, part id, title, category names, description with OEM numbers, fitments) per indexed part."""
    synonyms = _synonyms()
    fitments_sql = (
        "(SELECT string_agg(f.make || ' ' || f.model, ' ') FROM fitment f WHERE f.part_id = p.id)"
        if connection.dialect.name == "postgresql"
        else "(SELECT group_concat(f.make || ' ' || f.model, ' ') FROM fitment f WHERE f.part_id = p.id)"
    )
    last = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT d.doc, p.id, p.title_en, p.title_zh, p.category, p.description_en, p.description_zh,"
                f" p.oem_numbers, {fitments_sql} FROM search_doc d JOIN part p ON p.id = d.part_id"
                " WHERE d.doc > :last ORDER BY d.doc LIMIT :batch"
            ),
            {"last": last, "batch": batch},
        ).all()
        if not rows:
            return
        out = []
        for doc, part_id, title_en, title_zh, category, desc_en, desc_zh, numbers, fits in rows:
            if isinstance(numbers, str):  # SQLite hands JSON back as text
                numbers = json.loads(numbers)
            out.append(
                [
                    doc,
                    part_id,
                    f"{title_en or ''} {title_zh or ''}",
                    synonyms.get(category, ""),
                    f"{desc_en or ''} {desc_zh or ''} {' '.join(numbers or [])}",
                    fits or "",
                ]
            )
        yield out
        last = rows[-1][0]


def _has_table(connection: Connection, name: str) -> bool:
    return connection.dialect.has_table(connection, name)


# --- PostgreSQL tsvector ---------------------------------------------------------------------


def _tsvector_sql(column: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('english', coalesce({column}_latin, '')), '{weight}')"
        f" || setweight(to_tsvector('simple', coalesce({column}_cjk, '')), '{weight}')"
    )


def build_tsvector(engine: Engine) -> float | None:
    """Build the tsvector table and its GIN index once; seconds taken, or None if it was there."""
    with engine.connect() as connection:
        if _has_table(connection, PG_TABLE):
            return None
    started = time.perf_counter()
    fields = ("title", "category", "description", "fitment")
    with engine.begin() as connection:
        columns = ", ".join(f"{f}_latin TEXT, {f}_cjk TEXT" for f in fields)
        connection.execute(text(f"CREATE UNLOGGED TABLE bench_fts_source (doc INTEGER, part_id UUID, {columns})"))
        raw: Any = connection.connection.dbapi_connection
        names = ", ".join(f"{f}_latin, {f}_cjk" for f in fields)
        with raw.cursor() as cursor:
            for rows in _source_rows(connection):
                with cursor.copy(f"COPY bench_fts_source (doc, part_id, {names}) FROM STDIN") as copy:
                    for doc, part_id, *texts in rows:
                        values: list[Any] = [doc, part_id]
                        for value in texts:
                            latin, cjk = split(value)
                            values += [latin, " ".join(cjk)]
                        copy.write_row(values)
        document = " || ".join(_tsvector_sql(f, w) for f, w in zip(fields, "ABCD", strict=True))
        connection.execute(
            text(f"CREATE TABLE {PG_TABLE} AS SELECT doc, part_id, {document} AS tsv FROM bench_fts_source")
        )
        connection.execute(text("DROP TABLE bench_fts_source"))
        connection.execute(text(f"ALTER TABLE {PG_TABLE} ADD PRIMARY KEY (doc)"))
        connection.execute(text(f"CREATE INDEX ix_{PG_TABLE}_tsv ON {PG_TABLE} USING GIN (tsv)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {PG_TABLE}"))
    return time.perf_counter() - started


def _tsquery(q: str) -> tuple[str, dict[str, Any]]:
    """SQL of the query's tsquery (every word must match) and its parameters."""
    latin, cjk = split(q)
    parts, params = [], {}
    if latin.strip():
        parts.append("plainto_tsquery('english', :latin)")
        params["latin"] = latin
    if cjk:
        parts.append("to_tsquery('simple', :cjk)")
        params["cjk"] = " & ".join(f"'{b}'" for b in dict.fromkeys(cjk))
    return " && ".join(parts) or "to_tsquery('simple', '')", params


def _facets_from(session: Session, matches_sql: str, params: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Facet counts over the first FACET_CAP matches, as ours counts them."""
    rows = session.execute(
        text(
            f"SELECT m.part_id, p.category, p.condition, f.make_key FROM ({matches_sql} LIMIT {FACET_CAP}) m"
            " JOIN part p ON p.id = m.part_id LEFT JOIN fitment f ON f.part_id = m.part_id"
        ),
        params,
    ).all()
    parts = {r[0]: (r[1], r[2]) for r in rows}
    makes: dict[str, set[Any]] = {}
    for part_id, _, _, make_key in rows:
        if make_key is not None:
            makes.setdefault(make_key, set()).add(part_id)
    counts: dict[str, dict[str, int]] = {"category": {}, "condition": {}}
    for category, condition in parts.values():
        counts["category"][category] = counts["category"].get(category, 0) + 1
        counts["condition"][condition] = counts["condition"].get(condition, 0) + 1
    counts["make"] = {k: len(v) for k, v in makes.items()}
    return counts


def _make_filter(alias: str, make: str) -> str:
    # Make keys are lower-case letters and digits only (domain.key), so they are safe to inline.
    keys = ", ".join(f"'{k}'" for k in domain.make_keys(make))
    return f" AND EXISTS (SELECT 1 FROM fitment f WHERE f.part_id = {alias}.part_id AND f.make_key IN ({keys}))"


class Tsvector:
    name = "tsvector"

    def page(self, session: Session, query: Judged) -> list[uuid.UUID]:
        tsquery, params = _tsquery(query.q)
        where = f"t.tsv @@ ({tsquery})"
        if query.make_filter and query.make:
            where += _make_filter("t", query.make)
        base = f"FROM {PG_TABLE} t WHERE {where}"
        rows = session.execute(
            text(f"SELECT t.part_id {base} ORDER BY ts_rank_cd(t.tsv, {tsquery}) DESC, t.doc DESC LIMIT {PAGE}"),
            params,
        ).all()
        if query.make_filter:
            _facets_from(session, f"SELECT t.part_id {base}", params)
        return [r[0] for r in rows]


# --- SQLite FTS5 -----------------------------------------------------------------------------


def build_fts5(engine: Engine) -> float | None:
    """Build the FTS5 table once (rowid = our document number); seconds taken, or None if it was there."""
    with engine.connect() as connection:
        if _has_table(connection, FTS5_TABLE):
            return None
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE VIRTUAL TABLE {FTS5_TABLE} USING fts5(title, category, description, fitment,"
                " tokenize = 'porter unicode61 remove_diacritics 2')"
            )
        )
        raw: Any = connection.connection.dbapi_connection
        for rows in _source_rows(connection):
            raw.cursor().executemany(
                f"INSERT INTO {FTS5_TABLE} (rowid, title, category, description, fitment) VALUES (?, ?, ?, ?, ?)",
                [(doc, *(pre_tokenised(t) for t in texts)) for doc, _, *texts in rows],
            )
        connection.execute(text(f"INSERT INTO {FTS5_TABLE} ({FTS5_TABLE}) VALUES ('optimize')"))
    return time.perf_counter() - started


def fts5_match(q: str) -> str:
    """Every word (and Chinese bigram) of the query as a quoted FTS5 string, all required."""
    words = [w for w in re.split(r"\s+", pre_tokenised(q)) if w]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


class Fts5:
    name = "fts5"
    # Column weights in the order title, category, description, fitment (as our field boosts).
    RANK = f"bm25({FTS5_TABLE}, 3.0, 1.0, 1.0, 0.5)"

    def page(self, session: Session, query: Judged) -> list[uuid.UUID]:
        params: dict[str, Any] = {"match": fts5_match(query.q)}
        where = f"{FTS5_TABLE} MATCH :match"
        if query.make_filter and query.make:
            where += _make_filter("d", query.make)
        base = f"FROM {FTS5_TABLE} JOIN search_doc d ON d.doc = {FTS5_TABLE}.rowid WHERE {where}"
        rows = session.execute(
            text(f"SELECT d.part_id {base} ORDER BY {self.RANK}, d.doc DESC LIMIT {PAGE}"), params
        ).all()
        if query.make_filter:
            _facets_from(session, f"SELECT d.part_id {base}", params)
        return [uuid.UUID(str(r[0])) if not isinstance(r[0], uuid.UUID) else r[0] for r in rows]


def engines_for(engine: Engine) -> list[SearchEngine]:
    other: SearchEngine = Tsvector() if engine.dialect.name == "postgresql" else Fts5()
    return [Ours(), other]


def build_for(engine: Engine) -> float | None:
    return build_tsvector(engine) if engine.dialect.name == "postgresql" else build_fts5(engine)
