"""The databases bench/traffic.py runs the stack on: a PostgreSQL catalog of N synthetic parts
(bench/catalog_search.py's generator and loader), certificates for some of its suppliers so that
eligibility and `shipsTo` differ by country, the catalog's markets read model decided from them,
and an orders database with exchange rates.

The catalog and certification databases are named by size (`bench_traffic_1000000_catalog`)
and kept for the next run when asked: a million parts take minutes to load. The orders and
gateway databases are made afresh on every run (they are small, and the exchange rates must be
fresh for quotes).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.catalog_search import Loader, generate, suppliers
from marketplace.compliance import markets as rules
from marketplace.compliance import registry
from seed import orders as orders_seed
from services.catalog import domain, markets
from services.catalog.db import tune
from services.catalog.models import MarketCertificate, table
from services.certification.models import Certificate, CertificateEvent, CertificateStatus
from services.certification.service import reviewed_payloads
from services.common.db import make_engine
from services.common.migrations import upgrade

# Fixed dates, so that a kept database decides the same markets on every later run.
VALID_FROM = date(2025, 1, 1)
VALID_UNTIL = date(2030, 12, 31)
SUPPLIERS = 40

# (scheme, number for supplier i, categories in scope, which suppliers hold it). Chosen so that
# a listing's eligibility differs by country: the EEA needs ISO 9001 of every supplier and ECE R10
# for ECUs, the GCC its own conformity certificate for some categories, and so on.
_CERTIFICATES: tuple[tuple[str, str, list[str], int], ...] = (
    ("ISO_9001", "QMS-{i:05d}", [], 4),  # three suppliers in four
    ("IATF_16949", "05{i:05d}", [], 3),  # one in three
    ("ECE_R10", "E4 10R-06 {i:05d}", ["ecu", "nev_drive_motor", "alternator", "starter"], 2),
    ("GCC_CONFORMITY", "GCC-{i:05d}", ["brake_pads", "headlamp", "shock_absorber", "steering_rack"], 5),
    ("FMVSS_135", "FMVSS135-{i:05d}", ["brake_pads", "brake_caliper"], 6),
    ("CO_RCEP", "RCEP-{i:05d}", [], 2),
)


def _holds(scheme_every: int, i: int, scheme: str) -> bool:
    if scheme == "ISO_9001":
        return i % scheme_every != scheme_every - 1
    return i % scheme_every == 0


@dataclass(frozen=True)
class Databases:
    catalog: str
    certification: str
    orders: str
    gateway: str


def _url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _exists(admin_url: str, name: str) -> bool:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        with admin.connect() as connection:
            return bool(connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())
    finally:
        admin.dispose()


def _recreate(admin_url: str, name: str) -> str:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return _url(admin_url, name)


def drop(admin_url: str, names: list[str]) -> None:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def names(parts: int) -> dict[str, str]:
    return {
        service: f"bench_traffic_{parts}_{service}" for service in ("catalog", "certification", "orders", "gateway")
    }


def _load_catalog(url: str, parts: int, seed: int) -> None:
    upgrade("catalog", url)
    engine = tune(make_engine(url))
    try:
        loader = Loader(engine)
        supplier_rows = suppliers(SUPPLIERS)
        loader.before()
        for k, chunk in enumerate(generate(parts, supplier_rows, seed)):
            loader.write(chunk, k == 0, supplier_rows)
        loader.after()
    finally:
        engine.dispose()


def _load_certificates(url: str) -> int:
    upgrade("certification", url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    count = 0
    try:
        with Session(engine) as session:
            for i, supplier in enumerate(suppliers(SUPPLIERS)):
                for scheme, number, categories, every in _CERTIFICATES:
                    if not _holds(every, i, scheme):
                        continue
                    normalised = registry.validate_number(scheme, number.format(i=i))
                    certificate = Certificate(
                        id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench-certificate-{scheme}-{i}"),
                        scheme=scheme,
                        number=normalised,
                        issuing_body="Bench certification body",
                        holder_id=supplier["id"],
                        holder_name=supplier["name_en"],
                        scope_categories=categories,
                        scope_oem_numbers=[],
                        valid_from=VALID_FROM,
                        valid_until=VALID_UNTIL,
                        status=CertificateStatus.VALID.value,
                        submitted_by="bench",
                    )
                    session.add(certificate)
                    session.flush()
                    session.add(
                        CertificateEvent(
                            certificate_id=certificate.id,
                            actor_id="bench",
                            actor_role="SYSTEM",
                            action="IMPORTED",
                            at=now,
                            to_status=CertificateStatus.VALID.value,
                            detail={"source": "bench/traffic_data.py"},
                        )
                    )
                    count += 1
            session.commit()
    finally:
        engine.dispose()
    return count


def _decide_markets(catalog_url: str, certification_url: str) -> int:
    """The catalog's copies of the certificates and every part's markets, as `tongnan up`'s
    rebuild decides them, recorded as decided today (so `tongnan up` finds nothing to decide),
    but in one statement and without a part.markets_changed per part: a million events for the
    worker to relay would be measured instead of the traffic, and deciding part by part takes
    most of an hour here.

    The bench's certificates are scoped by supplier and category only (no part ids, no OEM
    numbers), so a part's markets are those of its supplier and category: decided once per
    pair by the shared rules, then written for every part of the pair."""
    certification = make_engine(certification_url)
    with Session(certification) as session:
        payloads = reviewed_payloads(session)
    certification.dispose()
    assert all(not p["scope"]["part_ids"] and not p["scope"]["oem_numbers"] for p in payloads)
    on = markets.today()
    copies = [markets._copy_values(data) for data in payloads]
    facts = [markets._facts(SimpleNamespace(**values)) for values in copies]
    categories = [c.code for c in domain.categories().values()]
    decided = [
        {"supplier_id": supplier["id"], "category": category, "market": market, "until": until}
        for supplier in suppliers(SUPPLIERS)
        for category in categories
        for market, until in rules.markets_of(
            rules.PartFacts(uuid.uuid4(), supplier["id"], category, ()), facts, on
        ).items()
    ]
    catalog = make_engine(catalog_url)
    try:
        with catalog.begin() as connection:
            connection.execute(delete(table(MarketCertificate)))
            connection.execute(insert(table(MarketCertificate)), copies)
            connection.execute(text("DELETE FROM part_market"))
            connection.execute(
                text(
                    "CREATE TEMPORARY TABLE decided (supplier_id uuid, category text, market text, until date)"
                    " ON COMMIT DROP"
                )
            )
            connection.execute(text("INSERT INTO decided VALUES (:supplier_id, :category, :market, :until)"), decided)
            connection.execute(text("ALTER TABLE part_market DROP CONSTRAINT pk_part_market"))
            connection.execute(text("DROP INDEX ix_part_market_market_part_id_until"))
            connection.execute(
                text(
                    "INSERT INTO part_market (part_id, market, until) SELECT p.id, d.market, d.until"
                    " FROM part p JOIN decided d ON d.supplier_id = p.supplier_id AND d.category = p.category"
                )
            )
            connection.execute(
                text("ALTER TABLE part_market ADD CONSTRAINT pk_part_market PRIMARY KEY (part_id, market)")
            )
            connection.execute(
                text("CREATE INDEX ix_part_market_market_part_id_until ON part_market (market, part_id, until)")
            )
            count = connection.execute(text("SELECT count(DISTINCT part_id) FROM part_market")).scalar_one()
            markets.record_decided(connection, on=on)
        with catalog.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE part_market"))
    finally:
        catalog.dispose()
    return int(count)


def prepare(admin_url: str, parts: int, seed: int = 7, *, keep: bool) -> Databases:
    """The four databases of a run: the catalog and certification ones loaded unless `keep` and
    already there (a previous run with `--keep` finished loading them), orders and gateway afresh."""
    named = names(parts)
    catalog_url = _url(admin_url, named["catalog"])
    certification_url = _url(admin_url, named["certification"])
    ready = keep and _exists(admin_url, named["catalog"]) and _exists(admin_url, named["certification"])
    if ready:
        engine = make_engine(catalog_url)
        with engine.connect() as connection:
            done = connection.execute(text("SELECT count(*) FROM part_market")).scalar_one() > 0
        engine.dispose()
        ready = done
    if ready:
        print(f"reusing the loaded databases {named['catalog']} and {named['certification']}", flush=True)
        upgrade("catalog", catalog_url)  # a migration since they were loaded applies to them too
        upgrade("certification", certification_url)
    else:
        started = time.perf_counter()
        _recreate(admin_url, named["catalog"])
        _recreate(admin_url, named["certification"])
        _load_catalog(catalog_url, parts, seed)
        loaded = time.perf_counter()
        print(f"catalog: {parts:,} parts loaded in {loaded - started:.1f} s", flush=True)
        certificates = _load_certificates(certification_url)
        decided = _decide_markets(catalog_url, certification_url)
        print(
            f"certification: {certificates} certificates; catalog: markets of {decided:,} parts decided"
            f" in {time.perf_counter() - loaded:.1f} s",
            flush=True,
        )
    orders_url = _recreate(admin_url, named["orders"])
    upgrade("orders", orders_url)
    orders = make_engine(orders_url)
    try:
        print(f"orders: {orders_seed.load_if_empty(orders)}", flush=True)
    finally:
        orders.dispose()
    gateway_url = _recreate(admin_url, named["gateway"])
    return Databases(catalog_url, certification_url, orders_url, gateway_url)
