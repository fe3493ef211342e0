"""Catalog search benchmark: bulk-load N synthetic parts, then time searches at the service layer.

    uv run python -m bench.catalog_search --parts 1000000 --backend both

For each backend (SQLite file, PostgreSQL database) it creates a fresh database migrated by
alembic, bulk-loads N parts with their OEM numbers, fitments, stock and search postings
(executemany on SQLite, COPY on PostgreSQL; secondary indexes built after the load), then
prints p50/p95/p99 in milliseconds of `service.search_parts` / `service.parts_by_oem_number`
(the same functions the HTTP routes call, including loading the page of parts) for:
English full text, Chinese full text, the most common words, OEM lookup, and a filtered
faceted query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Index, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench import search_engines
from bench import search_relevance as relevance
from services.catalog import domain, service
from services.catalog.db import tune
from services.catalog.models import Fitment, Part, PartNumber, SearchDoc, SearchPosting, Stock, Supplier, table
from services.catalog.search.index import part_weights
from services.catalog.search.query import SearchParams
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.settings import normalise_database_url

CHUNK = 20_000

_MODELS = (
    ("Volkswagen", "大众", "Golf", "高尔夫", ("CCZA", "CAXA", "CJZA"), (2004, 2020)),
    ("Volkswagen", "大众", "Passat", "帕萨特", ("CFFB", "CGMA"), (2006, 2019)),
    ("Volkswagen", "大众", "Tiguan", "途观", ("CAWB", "CZDA"), (2008, 2022)),
    ("Audi", "奥迪", "A4", "A4L", ("CDNC", "CAEB"), (2008, 2020)),
    ("Audi", "奥迪", "A6", "A6L", ("CHJA", "CREC"), (2011, 2022)),
    ("Toyota", "丰田", "Corolla", "卡罗拉", ("2ZR-FE", "1ZR-FE"), (2007, 2022)),
    ("Toyota", "丰田", "Camry", "凯美瑞", ("2AR-FE", "A25A-FKS"), (2011, 2023)),
    ("Toyota", "丰田", "Hilux", "海拉克斯", ("1KD-FTV", "1GD-FTV"), (2005, 2023)),
    ("Honda", "本田", "Civic", "思域", ("R18A", "L15B"), (2006, 2022)),
    ("Honda", "本田", "Accord", "雅阁", ("K24Z", "L15BE"), (2008, 2023)),
    ("Hyundai", "现代", "Elantra", "伊兰特", ("G4FC", "G4NA"), (2007, 2022)),
    ("Hyundai", "现代", "Tucson", "途胜", ("D4EA", "G4FJ"), (2004, 2021)),
    ("Ford", "福特", "Focus", "福克斯", ("PNDA", "M1DA"), (2011, 2019)),
    ("Ford", "福特", "Ranger", "撼路者", ("P4AT", "SA2W"), (2011, 2022)),
    ("Nissan", "日产", "Sylphy", "轩逸", ("MRA8", "HR16DE"), (2012, 2023)),
    ("BYD", "比亚迪", "Qin Plus", "秦PLUS", ("BYD472QA",), (2021, 2025)),
    ("BYD", "比亚迪", "Han EV", "汉EV", ("TZ220XSU",), (2020, 2025)),
    ("BYD", "比亚迪", "Song Pro", "宋Pro", ("BYD476ZQA",), (2019, 2024)),
    ("Geely", "吉利", "Emgrand", "帝豪", ("JL4G15", "JL4G18"), (2009, 2023)),
    ("Geely", "吉利", "Boyue", "博越", ("JLE-4G18TD",), (2016, 2023)),
    ("Changan", "长安", "CS75", "CS75", ("JL486ZQ5", "JL473ZQ7"), (2014, 2023)),
    ("Changan", "长安", "Eado", "逸动", ("JL478QEE",), (2012, 2022)),
    ("Great Wall", "长城", "Haval H6", "哈弗H6", ("GW4C20", "GW4B15"), (2011, 2023)),
    ("Chery", "奇瑞", "Tiggo 8", "瑞虎8", ("SQRF4J16",), (2018, 2024)),
)
_GRADES = (
    ("REMANUFACTURED", "Remanufactured", "再制造", 0.55),
    ("REFURBISHED", "Refurbished", "翻新", 0.15),
    ("USED", "Used, tested", "二手 已检测", 0.25),
    ("NEW", "New old stock", "全新库存", 0.05),
)
_ZH_PHRASES = (
    "原厂品质",
    "质保两年",
    "含旧件押金",
    "国六排放",
    "已做台架测试",
    "更换轴承",
    "更换密封件",
    "免费退换",
    "出口包装",
    "支持跨境物流",
    "高压测试合格",
    "电刷全新",
    "调节器全新",
    "外壳喷砂处理",
    "数据已刷写",
    "绝缘检测合格",
    "动平衡校正",
    "油封全新",
    "清洗除碳",
    "附检测报告",
)
_SYLLABLES = ("ka", "lo", "mer", "ti", "zan", "ro", "vel", "quo", "dra", "pen", "sul", "mi", "tor", "gra", "fen", "ox")


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass
class Chunk:
    parts: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[dict[str, Any]] = field(default_factory=list)
    fitments: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    docs: list[dict[str, Any]] = field(default_factory=list)
    postings: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Catalogue:
    suppliers: list[dict[str, Any]]
    oem_samples: list[str]


def suppliers(count: int = 40) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        first17 = f"91500152MB{i:07d}"
        rows.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"bench-supplier-{i}"),
                "name_en": f"Chongqing Tongnan Bench Remanufacturing {i} Co., Ltd.",
                "name_zh": f"重庆潼南基准再制造{i}有限公司",
                "uscc": first17 + domain.uscc_check_character(first17),
                "address": "Tongnan District, Chongqing",
                "contact_name": None,
                "contact_email": None,
                "contact_phone": None,
                "verified": True,
                "verification_status": "VERIFIED",
                "created_at": datetime(2025, 1, 1, tzinfo=UTC),
            }
        )
    return rows


def generate(n: int, supplier_rows: Sequence[dict[str, Any]], seed: int = 7) -> Iterator[Chunk]:
    """N synthetic parts, deterministic for a seed, in chunks (rows as dicts, postings as tuples)."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    cats = [c for c in domain.categories().values() if c.code != "other"]
    grade_weights = [g[3] for g in _GRADES]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    chunk = Chunk()
    for i in range(n):
        cat = rng.choice(cats)
        make, make_zh, model, model_zh, engines, (y0, y1) = rng.choice(_MODELS)
        condition, grade_en, grade_zh, _ = rng.choices(_GRADES, grade_weights)[0]
        year_from = rng.randint(y0, y1 - 1)
        year_to = min(y1, year_from + rng.randint(2, 6))
        engine = rng.choice(engines)
        oem = f"{make[:2].upper()}{rng.randint(10, 99)}-{i:07d}-{rng.choice('ABCDEFGH')}"
        words = " ".join(rng.choice(vocabulary) for _ in range(2))
        part_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        created = start + timedelta(seconds=i * 30)
        row: dict[str, Any] = dict.fromkeys(Part.model_fields)
        row.update(
            id=part_id,
            supplier_id=supplier_rows[i % len(supplier_rows)]["id"],
            sku=f"B-{i:08d}",
            title_en=f"{grade_en} {cat.name_en.lower()} for {make} {model} {engine} {year_from}-{year_to}",
            title_zh=f"{make_zh}{model_zh} {cat.name_zh} {grade_zh}",
            title_translations={},
            description_en=f"{grade_en} {cat.name_en.lower()}, OEM {oem}. {words}, end-of-line tested in Tongnan.",
            description_zh=f"{cat.name_zh}{grade_zh}件，{rng.choice(_ZH_PHRASES)}。适用于{make_zh}{model_zh}。",
            category=cat.code,
            condition=condition,
            brand=None,
            oem_numbers=[oem],
            interchange_numbers=[],
            price_cny=rng.randint(50, 20_000) * 100,
            core_charge_cny=rng.choice([0, 10_000, 30_000]),
            warranty_months=rng.choice([6, 12, 24]),
            weight_grams=rng.randint(300, 80_000),
            hs_code=cat.hs_code,
            country_of_origin="CN",
            listed=True,
            created_at=created,
            updated_at=created,
        )
        row["co2e_saved_grams"] = domain.co2e_saved_grams(cat.code, row["weight_grams"])
        if cat.code == "nev_battery_module":
            row.update(battery_chemistry="LFP", battery_capacity_wh=7680, battery_soh_pct=90, battery_cycles=500)
        chunk.parts.append(row)
        chunk.numbers.append({"part_id": part_id, "normalised": domain.normalise_part_number(oem), "kind": "OEM"})
        for m in {(make, model)} | ({(rng.choice(_MODELS)[0], model)} if rng.random() < 0.3 else set()):
            chunk.fitments.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "part_id": part_id,
                    "make": m[0],
                    "model": m[1],
                    "make_key": domain.make_keys(m[0])[0],
                    "model_key": domain.key(m[1]),
                    "year_from": year_from,
                    "year_to": year_to,
                    "engine_code": engine,
                }
            )
        on_hand = 0 if rng.random() < 0.2 else rng.randint(1, 30)
        chunk.stock.append({"part_id": part_id, "on_hand": on_hand, "reserved": 0, "updated_at": created})
        doc = i + 1
        chunk.docs.append({"doc": doc, "part_id": part_id})
        chunk.postings.extend((term, doc, score) for term, score in part_weights(row).items())
        if len(chunk.parts) >= CHUNK:
            yield chunk
            chunk = Chunk()
    if chunk.parts:
        yield chunk


# --- Loading -----------------------------------------------------------------------------


def _secondary_indexes() -> list[Index]:
    tables = [table(m) for m in (Part, PartNumber, Fitment, SearchPosting)]
    return [index for t in tables for index in t.indexes]


class Loader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def before(self) -> None:
        with self.engine.begin() as connection:
            for index in _secondary_indexes():
                index.drop(connection)
            if self.postgres:
                connection.execute(text("ALTER TABLE search_posting DROP CONSTRAINT pk_search_posting"))
            else:
                connection.execute(text("CREATE TABLE staging_posting (term TEXT, doc INTEGER, score INTEGER)"))

    def write(self, chunk: Chunk, first: bool, supplier_rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            if self.postgres:
                # Bulk load only: foreign keys are checked by the constraints' existence, not per row.
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            if first:
                connection.execute(table(Supplier).insert(), supplier_rows)
            if self.postgres:
                raw: Any = connection.connection.dbapi_connection
                with raw.cursor() as cursor:
                    self._copy(
                        cursor,
                        "part",
                        chunk.parts,
                        json_columns=("oem_numbers", "interchange_numbers", "title_translations"),
                    )
                    self._copy(cursor, "part_number", chunk.numbers)
                    self._copy(cursor, "fitment", chunk.fitments)
                    self._copy(cursor, "stock", chunk.stock)
                    self._copy(cursor, "search_doc", chunk.docs)
                    with cursor.copy("COPY search_posting (term, doc, score) FROM STDIN") as copy:
                        for posting in chunk.postings:
                            copy.write_row(posting)
            else:
                connection.execute(table(Part).insert(), chunk.parts)
                connection.execute(table(PartNumber).insert(), chunk.numbers)
                connection.execute(table(Fitment).insert(), chunk.fitments)
                connection.execute(table(Stock).insert(), chunk.stock)
                connection.execute(table(SearchDoc).insert(), chunk.docs)
                raw = connection.connection.dbapi_connection
                raw.cursor().executemany("INSERT INTO staging_posting VALUES (?, ?, ?)", chunk.postings)

    @staticmethod
    def _copy(cursor: Any, name: str, rows: list[dict[str, Any]], json_columns: Sequence[str] = ()) -> None:
        if not rows:
            return
        columns = list(rows[0])
        with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])

    def after(self) -> None:
        with self.engine.begin() as connection:
            if self.postgres:
                connection.execute(
                    text(
                        "ALTER TABLE search_posting ADD CONSTRAINT pk_search_posting"
                        " PRIMARY KEY (term, doc) INCLUDE (score)"
                    )
                )
            else:
                connection.execute(
                    text(
                        "INSERT INTO search_posting (term, doc, score)"
                        " SELECT term, doc, score FROM staging_posting ORDER BY term, doc"
                    )
                )
                connection.execute(text("DROP TABLE staging_posting"))
            for index in _secondary_indexes():
                index.create(connection)
            if self.postgres:
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('search_doc', 'doc'), (SELECT max(doc) FROM search_doc))"
                    )
                )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if self.postgres else "ANALYZE"))


# --- Measuring ---------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def measure(engine: Engine, runs: int, fn: Callable[[Session, int], Any], warmup: int = 5) -> list[float]:
    times = []
    for i in range(warmup + runs):
        with Session(engine) as session:
            started = time.perf_counter()
            fn(session, i)
            elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            times.append(elapsed)
    return times


ENGLISH = ("alternator golf", "turbocharger hilux", "steering rack", "caliper", "water pump corolla", "ecu civic")
CHINESE = ("发电机", "水泵", "涡轮增压器", "曲轴", "丰田 发电机", "飞轮", "动力电池模组", "高尔夫 起动机")
COMMON = ("remanufactured", "再制造", "tongnan")


def workloads(oem_samples: Sequence[str]) -> dict[str, Callable[[Session, int], Any]]:
    cats = ("alternator", "starter", "turbocharger", "brake_caliper", "ecu", "headlamp")
    makes = ("Toyota", "Volkswagen", "BYD", "Honda", "Geely")

    def oem(session: Session, i: int) -> Any:
        number = oem_samples[i % len(oem_samples)]
        typed = (number, number.lower(), number.replace("-", " "), number.replace("-", "."))[i % 4]
        return service.part_views(session, service.parts_by_oem_number(session, typed))

    return {
        "full text, English": lambda s, i: service.search_parts(s, SearchParams(q=ENGLISH[i % len(ENGLISH)])),
        "full text, Chinese": lambda s, i: service.search_parts(s, SearchParams(q=CHINESE[i % len(CHINESE)])),
        "most common word": lambda s, i: service.search_parts(s, SearchParams(q=COMMON[i % len(COMMON)])),
        "OEM lookup": oem,
        "filtered + facets": lambda s, i: service.search_parts(
            s,
            SearchParams(category=cats[i % len(cats)], condition="REMANUFACTURED", in_stock=True, facets=True),
        ),
        "text + make + facets": lambda s, i: service.search_parts(
            s, SearchParams(q=("remanufactured", "发电机", "pump")[i % 3], make=makes[i % len(makes)], facets=True)
        ),
    }


_LOADED_MARK = "bench_catalog_loaded"


def loaded_parts(engine: Engine, seed: int) -> int | None:
    """How many parts a finished earlier load of this seed left in the database, or None."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, _LOADED_MARK):
            return None
        row = connection.execute(text(f"SELECT parts, seed FROM {_LOADED_MARK}")).first()
    return int(row[0]) if row is not None and int(row[1]) == seed else None


def load(engine: Engine, url: str, n: int, seed: int) -> None:
    """Migrate and bulk-load N parts, then mark the database as a finished load of N parts."""
    upgrade("catalog", url)
    loader = Loader(engine)
    supplier_rows = suppliers()
    started = time.perf_counter()
    loader.before()
    for k, chunk in enumerate(generate(n, supplier_rows, seed)):
        loader.write(chunk, k == 0, supplier_rows)
    loader.after()
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {_LOADED_MARK} (parts INTEGER NOT NULL, seed INTEGER NOT NULL)"))
        connection.execute(text(f"INSERT INTO {_LOADED_MARK} VALUES (:parts, :seed)"), {"parts": n, "seed": seed})
    print(f"  loaded {n:,} parts in {time.perf_counter() - started:.1f} s", flush=True)


def oem_samples_of(engine: Engine, count: int = 200) -> list[str]:
    """OEM numbers of parts spread over the whole load (the generator numbers its parts' SKUs in order)."""
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM part")).scalar_one()
        skus = [f"B-{i:08d}" for i in range(0, total, max(1, total // count))]
        rows = connection.execute(
            select(table(Part).c.sku, table(Part).c.oem_numbers).where(table(Part).c.sku.in_(skus))
        )
        by_sku = {sku: numbers for sku, numbers in rows}
    return [str(by_sku[sku][0]) for sku in skus if sku in by_sku]


# --- The engine comparison -----------------------------------------------------------------


@dataclass
class EngineFigures:
    """One engine's figures on one backend: timings per query class, nDCG@10 per judged query."""

    backend: str
    engine: str
    timings: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    ndcg: dict[int, float] = field(default_factory=dict)  # judged query's index -> nDCG@10
    pages: dict[int, list[uuid.UUID]] = field(default_factory=dict)

    def mean_ndcg(self) -> float:
        return statistics.fmean(self.ndcg.values())


def compare(engine: Engine, runs: int) -> tuple[list[relevance.Judged], list[EngineFigures]]:
    """Run the judged queries through our index and the backend's own full-text engine."""
    built = search_engines.build_for(engine)
    backend = engine.dialect.name
    if built is not None:
        print(f"  built the {search_engines.engines_for(engine)[1].name} index in {built:.1f} s", flush=True)
    with engine.connect() as connection:
        judged = relevance.judged_queries(connection)
        ideals = [relevance.ideal_grades(connection, q) for q in judged]
    results = []
    for candidate in search_engines.engines_for(engine):
        figures = EngineFigures(backend, candidate.name)
        with Session(engine) as session:
            for i, query in enumerate(judged):
                figures.pages[i] = candidate.page(session, query)
        with engine.connect() as connection:
            for i, query in enumerate(judged):
                facts = relevance.facts_of(connection, figures.pages[i])
                grades = [relevance.grade(query, pid, facts[pid]) for pid in figures.pages[i][:10]]
                figures.ndcg[i] = relevance.ndcg(grades, ideals[i])
        for query_class in (relevance.LATIN, relevance.CJK, relevance.FILTERED, relevance.OEM):
            of_class = [q for q in judged if q.query_class == query_class]

            def one(
                session: Session,
                i: int,
                of_class: list[relevance.Judged] = of_class,
                candidate: search_engines.SearchEngine = candidate,
            ) -> Any:
                return candidate.page(session, of_class[i % len(of_class)])

            figures.timings[query_class] = percentiles(measure(engine, runs, one, warmup=len(of_class)))
        results.append(figures)
    return judged, results


def print_comparison(judged: Sequence[relevance.Judged], figures: Sequence[EngineFigures]) -> None:
    """The engine x query class table (engine-only milliseconds, nDCG@10), then nDCG per language."""
    classes = (relevance.LATIN, relevance.CJK, relevance.FILTERED, relevance.OEM)
    print("\nengine comparison: milliseconds p50 / p95 / p99 of a page of 20 ids, engine only; nDCG@10 mean")
    print(f"{'backend':<11} {'engine':<9} " + " ".join(f"{c:<34}" for c in classes) + " all")
    for f in figures:
        cells = []
        for c in classes:
            members = [i for i, q in enumerate(judged) if q.query_class == c]
            p50, p95, p99 = f.timings[c]
            mean = statistics.fmean(f.ndcg[i] for i in members)
            cells.append(f"{p50:6.1f} /{p95:6.1f} /{p99:6.1f}  nDCG {mean:.3f}")
        print(f"{f.backend:<11} {f.engine:<9} " + " ".join(f"{c:<34}" for c in cells) + f" {f.mean_ndcg():.3f}")
    languages = sorted({q.language for q in judged}, key=("English", "German", "Chinese", "mixed", "OEM").index)
    print(
        "\nnDCG@10 per language (judged queries: "
        + ", ".join(f"{lang} {sum(q.language == lang for q in judged)}" for lang in languages)
        + ")"
    )
    print(f"{'backend':<11} {'engine':<9} " + " ".join(f"{lang:>8}" for lang in languages) + "      all")
    for f in figures:
        means = [statistics.fmean(f.ndcg[i] for i, q in enumerate(judged) if q.language == lang) for lang in languages]
        print(f"{f.backend:<11} {f.engine:<9} " + " ".join(f"{m:8.3f}" for m in means) + f" {f.mean_ndcg():8.3f}")


def run_backend(
    url: str,
    n: int,
    runs: int,
    seed: int,
    *,
    reuse: bool = False,
    engines: bool = False,
    service_level: bool = True,
) -> tuple[list[tuple[str, float, float, float]], tuple[list[relevance.Judged], list[EngineFigures]] | None]:
    engine = tune(make_engine(url))
    if reuse:
        print(f"  reusing the loaded database: {n:,} parts", flush=True)
        upgrade("catalog", url)  # a migration since it was loaded applies to it too
    else:
        load(engine, url, n, seed)
    oem_samples = oem_samples_of(engine)
    rows = []
    for name, fn in workloads(oem_samples).items() if service_level else ():
        p50, p95, p99 = percentiles(measure(engine, runs, fn))
        rows.append((name, p50, p95, p99))
        print(f"  {name:<22} p50 {p50:8.2f}  p95 {p95:8.2f}  p99 {p99:8.2f}  ms", flush=True)
    comparison = compare(engine, runs) if engines else None
    engine.dispose()
    return rows, comparison


def _fresh_postgres(admin_url: str, name: str) -> str:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _finished_load(url: str, n: int, seed: int) -> bool:
    engine = make_engine(url)
    try:
        return loaded_parts(engine, seed) == n
    finally:
        engine.dispose()


def _postgres_exists(admin_url: str, name: str) -> bool:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
    admin.dispose()
    return found is not None


def _drop(url: str, admin_url: str, name: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = make_engine(
        normalise_database_url(admin_url, field="--postgres-url"), isolation_level="AUTOCOMMIT", pool_size=1
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_EPILOG = """\
With --keep the databases are named by size (var/bench/bench_catalog_<parts>.db and the PostgreSQL
database bench_catalog_<parts>), loaded once and reused by every later --keep run of the same size
and seed. Drop them with --cleanup on a last run, or by hand:
  rm -f var/bench/bench_catalog_1000000.db*
  psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS bench_catalog_1000000 WITH (FORCE)'
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--parts", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sqlite-path", help="default var/bench/bench_catalog_<parts>.db")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--postgres-db", help="default bench_catalog_<parts>")
    parser.add_argument("--cleanup", action="store_true", help="drop the databases afterwards")
    parser.add_argument(
        "--keep",
        "--reuse",
        dest="keep",
        action="store_true",
        help="reuse the databases a finished earlier load of this size and seed left; load them if absent",
    )
    parser.add_argument(
        "--engines",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare our index with PostgreSQL tsvector / SQLite FTS5 on the judged queries (default on)",
    )
    parser.add_argument(
        "--service",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the service-level query kinds against their targets (default on)",
    )
    args = parser.parse_args(argv)
    if args.parts < 1 or args.runs < 2:
        parser.error("--parts must be at least 1 and --runs at least 2")
    sqlite_path = Path(args.sqlite_path or f"var/bench/bench_catalog_{args.parts}.db")
    postgres_db = args.postgres_db or f"bench_catalog_{args.parts}"

    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    compared: list[EngineFigures] = []
    judged: list[relevance.Judged] = []
    for backend in backends:
        if backend == "sqlite":
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{sqlite_path}"
            reuse = args.keep and sqlite_path.exists() and _finished_load(url, args.parts, args.seed)
            if not reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        else:
            admin_url = normalise_database_url(args.postgres_url, field="--postgres-url")
            url = make_url(admin_url).set(database=postgres_db).render_as_string(hide_password=False)
            reuse = args.keep and _postgres_exists(admin_url, postgres_db)
            reuse = reuse and _finished_load(url, args.parts, args.seed)
            if not reuse:
                url = _fresh_postgres(admin_url, postgres_db)
        print(f"{backend}: {args.parts:,} parts, {args.runs} runs per query (milliseconds)", flush=True)
        _, comparison = run_backend(
            url, args.parts, args.runs, args.seed, reuse=reuse, engines=args.engines, service_level=args.service
        )
        if comparison is not None:
            judged = comparison[0]
            compared.extend(comparison[1])
        if args.cleanup:
            _drop(url, args.postgres_url, postgres_db)
    if compared:
        print_comparison(judged, compared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
