"""The shared legality rule (marketplace/compliance/markets.py) and its data files: import
restrictions by condition, restricted destinations, dated market rules. Pure: no database."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import date
from pathlib import Path

import pycountry
import pytest

from marketplace.compliance import markets, registry

SUPPLIER = uuid.UUID(int=7)
ON = date(2026, 12, 1)


def _part(category: str = "alternator", condition: str | None = "REMANUFACTURED") -> markets.PartFacts:
    return markets.PartFacts(uuid.UUID(int=8), SUPPLIER, category, (), condition)


def _certificate(
    scheme: str, *, until: date = date(2027, 6, 30), categories: tuple[str, ...] = ()
) -> markets.CertificateFacts:
    return markets.CertificateFacts(
        id=uuid.uuid4(),
        holder_id=SUPPLIER,
        scheme=scheme,
        status=markets.VALID,
        valid_from=date(2019, 1, 1),
        valid_until=until,
        part_ids=frozenset(),
        categories=categories,
        oem_numbers=(),
    )


def test_every_restriction_row_is_sourced_dated_and_about_a_quotable_country() -> None:
    quotable = registry.rules().countries()
    rows = registry.import_restrictions()
    assert {r.country for r in rows} >= {"BR", "IN", "ID", "ZA", "VN", "MY", "SA"}
    for row in rows:
        assert row.country in quotable, row.country
        assert row.condition in ("USED", "REMANUFACTURED", "REFURBISHED")  # NEW is never restricted
        assert row.source.strip() and row.note.strip()
        assert row.valid_to is None or row.valid_from <= row.valid_to
    raw = json.loads((registry.DATA_DIR / "import_restrictions.json").read_text(encoding="utf-8"))
    assert "simplified" in raw["_about"].lower()


def test_every_restricted_destination_is_sourced_and_dated() -> None:
    rows = registry.restricted_destinations()
    assert {r.country for r in rows} >= {"KP", "CU", "IR", "SY", "RU"}
    for row in rows:
        assert pycountry.countries.get(alpha_2=row.country) is not None
        assert row.reason in ("UN_EMBARGO", "PAYMENTS") and row.source.strip() and row.note.strip()
    kp = next(r for r in rows if r.country == "KP")
    assert "2397" in kp.source and kp.reason == "UN_EMBARGO"


def test_market_rows_are_dated_without_overlaps_and_name_catalog_categories_only() -> None:
    catalog = json.loads(
        (Path(__file__).resolve().parents[2] / "services/catalog/data/categories.json").read_text(encoding="utf-8")
    )["categories"]
    for market in registry.rules().markets:
        assert market.valid_from <= ON and market.valid_to is None
        for category, rows in market.category_rules.items():
            assert category in catalog, (market.code, category)
            for before, after in itertools.pairwise(rows):
                assert before.valid_to is not None and before.valid_to < after.valid_from


def test_a_rule_naming_an_unknown_category_or_overlapping_rows_is_refused_on_load() -> None:
    entry = {
        "code": "XX",
        "name": "test",
        "countries": ["AR"],
        "validFrom": "2019-01-01",
        "validTo": None,
        "categories": {
            "brake_pads": [
                {"schemes": ["ECE_R90"], "validFrom": "2019-01-01", "validTo": "2021-01-01"},
                {"schemes": ["ECE_R90"], "validFrom": "2020-06-01", "validTo": None},
            ]
        },
        "source": "test",
    }
    with pytest.raises(ValueError, match="overlap"):
        registry._market(entry)


def test_the_destination_comes_first_then_the_condition_then_certification() -> None:
    # Brazil: a remanufactured alternator with no certificate at all gets the condition first.
    reasons = markets.refusals(_part(), [], "BR", ON)
    assert [r.code for r in reasons] == ["CONDITION_LICENCE_REQUIRED", "MISSING_CERTIFICATION"]
    assert "ISO_9001" in reasons[1].message
    # With ISO 9001 only the condition is left; a new part is then sellable.
    iso = [_certificate("ISO_9001")]
    assert [r.code for r in markets.refusals(_part(), iso, "BR", ON)] == ["CONDITION_LICENCE_REQUIRED"]
    assert markets.refusals(_part(condition="NEW"), iso, "BR", ON) == []
    # The UAE (same GCC market as Saudi Arabia) does not restrict remanufactured parts; Saudi Arabia does.
    assert markets.refusals(_part(), iso, "AE", ON) == []
    assert [r.code for r in markets.refusals(_part(), iso, "SA", ON)] == ["CONDITION_LICENCE_REQUIRED"]
    # A restricted destination is the only reason given, whatever else is missing.
    assert [r.code for r in markets.refusals(_part(), [], "KP", ON)] == ["DESTINATION_RESTRICTED"]
    # A condition unknown to the caller (None) is not checked.
    assert markets.condition_refusal("BR", None, ON) is None


def test_restricted_conditions_per_country_and_date() -> None:
    assert markets.restricted_conditions("BR", ON) == ("USED", "REMANUFACTURED", "REFURBISHED")
    assert markets.restricted_conditions("DE", ON) == ()
    assert markets.restricted_conditions("AE", ON) == ()


def test_the_read_model_is_per_market_and_its_last_day_follows_the_certificates() -> None:
    iso = _certificate("ISO_9001", until=date(2027, 3, 31))
    found = markets.markets_of(_part(), [iso], ON)
    # An alternator needs ISO 9001 only in most markets; the EAEU asks TR CU 018 of it.
    assert "EAEU" not in found and found["BR"] == date(2027, 3, 31) and found["GCC"] == date(2027, 3, 31)
    # No default market any more: only the markets of the rules.
    assert set(found) <= {m.code for m in registry.rules().markets}
    # IN and ID have market rules only from 2024-01-01.
    early = markets.markets_of(_part(), [iso], date(2023, 6, 1))
    assert "IN" not in early and "ID" not in early and "BR" in early


def test_check_destination_names_the_field_and_the_source() -> None:
    with pytest.raises(registry.DestinationRestricted) as restricted:
        markets.check_destination("CU", ON, field="shipsTo")
    assert restricted.value.field == "shipsTo" and restricted.value.status == 422
    assert "restricted-businesses" in restricted.value.extra["source"]
    with pytest.raises(registry.DestinationNotServed) as unserved:
        markets.check_destination("TR", ON, field="country")
    assert unserved.value.field == "country" and unserved.value.code == "DESTINATION_NOT_SERVED"
    assert markets.check_destination("KZ", ON, field="country").code == "EAEU"
