"""The demo catalogue: deterministic, plausible, and loaded once through the models."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from seed.catalog import demo_catalog, load_if_empty
from services.catalog import domain
from services.catalog.models import Part, SearchPosting, Supplier


def test_demo_catalogue_is_deterministic_and_plausible() -> None:
    first, second = demo_catalog(), demo_catalog()
    assert first == second
    assert 5 <= len(first.suppliers) <= 7 and len(first.parts) >= 200
    for supplier in first.suppliers:
        assert domain.validate_uscc(supplier.uscc) == supplier.uscc
        assert "Chongqing" in supplier.name_en and "重庆" in supplier.name_zh
    assert len({p.id for p in first.parts}) == len(first.parts)
    categories = {p.category for p in first.parts}
    for needed in (
        "alternator",
        "starter",
        "turbocharger",
        "brake_caliper",
        "brake_pads",
        "steering_rack",
        "ecu",
        "headlamp",
        "ac_compressor",
        "transmission",
        "nev_battery_module",
        "nev_drive_motor",
        "water_pump",
        "crankshaft",
    ):
        assert needed in categories
    makes = {f.make for p in first.parts for f in p.fitments}
    assert {"Volkswagen", "Toyota", "BYD", "Geely", "Changan", "Honda", "Ford", "Hyundai"} <= makes
    for part in first.parts:
        assert part.price_cny > 0 and part.weight_grams > 0 and re.fullmatch(r"\d{6,10}", part.hs_code)
        assert part.fitments and part.oem_numbers and part.title_zh and part.title_en
        if part.category == "nev_battery_module":
            assert part.battery_chemistry in ("LFP", "NMC") and part.battery_soh_pct and part.battery_capacity_wh
        if part.source_vin:
            assert domain.decode_vin(part.source_vin).vin == part.source_vin
    titles = " ".join(p.title_zh for p in first.parts)
    assert "发电机" in titles and "水泵" in titles and "曲轴" in titles


def test_load_if_empty_loads_once(engine: Engine) -> None:
    summary = load_if_empty(engine)
    catalogue = demo_catalog()
    assert summary == f"loaded {len(catalogue.parts)} parts from {len(catalogue.suppliers)} suppliers"
    assert load_if_empty(engine) is None
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Part)) == len(catalogue.parts)
        assert session.scalar(select(func.count()).select_from(Supplier)) == len(catalogue.suppliers)
        assert session.scalar(select(func.count()).select_from(SearchPosting))
        stored = session.get(Part, catalogue.parts[0].id)
        assert stored is not None and stored.sku == catalogue.parts[0].sku
