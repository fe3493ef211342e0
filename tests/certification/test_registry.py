"""The scheme registry and market rules: well-formed data with sources, and number formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pycountry
import pytest
from fastapi.testclient import TestClient

from marketplace.compliance import registry
from services.common.errors import BadInput
from tests.certification.factories import ANONYMOUS

# The catalog's own categories: a market rule naming another category could never apply.
CATALOG_CATEGORIES = frozenset(
    json.loads((Path(__file__).resolve().parents[2] / "services/catalog/data/categories.json").read_text())[
        "categories"
    ]
)


@pytest.mark.parametrize(
    ("scheme", "number", "normalised"),
    [
        ("ECE_R90", "E4 90R-01 1234/5678", "E4 90R-01 1234/5678"),
        ("ECE_R90", " e11  90r-02 0456 ", "E11 90R-02 0456"),
        ("ECE_R90", "E1 90R-02 A71/0034", "E1 90R-02 A71/0034"),
        ("ECE_R10", "E1 10R-06 12345", "E1 10R-06 12345"),
        ("ECE_R149", "E9 149R-00 0815", "E9 149R-00 0815"),
        ("EAC_TR_CU_018", "ЕАЭС RU С-CN.АБ12.В.01234/24", "ЕАЭС RU С-CN.АБ12.В.01234/24"),
        ("EAC_TR_CU_018", "eaeu kz c-cn.ab12.b.01234/23", "EAEU KZ C-CN.AB12.B.01234/23"),
        ("CCC", "2024011109123456", "2024011109123456"),
        ("IATF_16949", "0512345", "0512345"),
        ("ISO_9001", "CN-QMS 2024/881", "CN-QMS 2024/881"),
        ("un_38_3", "TS-38.3-2291", "TS-38.3-2291"),
    ],
)
def test_numbers_in_the_scheme_format_are_accepted_and_normalised(scheme: str, number: str, normalised: str) -> None:
    assert registry.validate_number(scheme, number) == normalised


@pytest.mark.parametrize(
    ("scheme", "number"),
    [
        ("ECE_R90", "E4 10R-01 1234"),  # another regulation's mark
        ("ECE_R90", "90R-01 1234"),  # no approving country
        ("ECE_R90", "E4 90R-1 1234"),  # series has two digits
        ("ECE_R90", "E123 90R-01 1234"),
        ("ECE_R10", "E1 90R-02 1234"),
        ("EAC_TR_CU_018", "RU C-CN.AB12.B.01234/24"),
        ("CCC", "20240111091234"),
        ("IATF_16949", "IATF-0512345"),
        ("ISO_9001", "x" * 65),
        ("ISO_9001", "bad\x00number"),
    ],
)
def test_numbers_breaking_the_scheme_format_are_refused_naming_number(scheme: str, number: str) -> None:
    with pytest.raises(BadInput) as raised:
        registry.validate_number(scheme, number)
    assert raised.value.field == "number"


def test_every_scheme_has_a_source_and_its_example_fits_its_format() -> None:
    schemes = registry.schemes()
    assert {"ECE_R90", "ECE_R10", "ECE_R112", "ECE_R148", "ECE_R149", "ECE_R100", "FMVSS_108"} <= set(schemes)
    assert {"FMVSS_135", "UN_38_3", "EU_BATTERY_2023_1542", "EAC_TR_CU_018", "IATF_16949", "ISO_9001"} <= set(schemes)
    for scheme in schemes.values():
        assert scheme.source.strip() and scheme.name.strip() and scheme.authority_type.strip()
        for other in scheme.satisfies:
            assert other in schemes
        if scheme.number_format is not None:
            assert registry.validate_number(scheme.code, scheme.number_format.example)


def test_market_rules_cover_twenty_countries_with_sources_and_known_schemes() -> None:
    rules = registry.rules()
    assert rules.as_of.year >= 2025
    assert len(rules.by_country) >= 20
    for code in rules.by_country:
        assert pycountry.countries.get(alpha_2=code) is not None, code
    for market in rules.markets:
        assert market.source.strip()
        for code in market.supplier_level:
            assert code in registry.schemes()
        for category, rows in market.category_rules.items():
            assert category in CATALOG_CATEGORIES, (market.code, category)
            for row in rows:
                for code in row.schemes:
                    assert code in registry.schemes(), (market.code, code)
    # The regions the marketplace ships to.
    for country in ("DE", "FR", "NO", "GB", "US", "CA", "AU", "AE", "SA", "RU", "KZ", "SG", "MY", "JP", "KR"):
        assert country in rules.by_country
    # And the ones issue 18 added, with their own markets.
    for country in ("BR", "MX", "ZA", "NZ", "IN", "ID"):
        assert rules.by_country[country].code == country


def test_requirements_combine_supplier_and_category_schemes() -> None:
    on = date(2026, 11, 1)
    assert registry.requirements("DE", "brake_pads", on).schemes == ("ISO_9001", "ECE_R90")
    assert registry.requirements("US", "headlamp", on).part_schemes == ("FMVSS_108",)
    assert registry.requirements("DE", "steering_rack", on).supplier_schemes == ("ISO_9001", "IATF_16949")
    # Brazil has its own market now (it used to fall to the default baseline).
    assert registry.requirements("BR", "nev_battery_module", on).schemes == ("ISO_9001", "UN_38_3")
    assert registry.requirements("BR", "brake_pads", on).schemes == ("ISO_9001", "INMETRO_AUTO")
    assert registry.requirements("FR", "flywheel", on).schemes == ("ISO_9001",)


def test_a_country_in_no_market_is_not_served() -> None:
    # There is no default market any more: Argentina has no market rules, so nothing is sold there.
    with pytest.raises(registry.DestinationNotServed) as raised:
        registry.requirements("AR", "brake_pads", date(2026, 11, 1))
    assert raised.value.field == "country" and raised.value.code == "DESTINATION_NOT_SERVED"


def test_the_quotable_countries_are_exactly_the_countries_with_market_rules() -> None:
    orders = json.loads((Path(__file__).resolve().parents[2] / "services/orders/data/destinations.json").read_text())
    destinations = {row["country"] for row in orders["rows"]}
    assert destinations == set(registry.rules().by_country)


def test_rules_file_is_dated() -> None:
    text = (registry.DATA_DIR / "market_rules.json").read_text(encoding="utf-8")
    assert '"as_of"' in text
    assert Path(registry.DATA_DIR / "schemes.json").exists()


def test_market_requirements_endpoint(client: TestClient) -> None:
    response = client.get("/market-requirements", params={"country": "de", "category": "brake_pads"}, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schemes"] == ["ISO_9001", "ECE_R90"]
    assert body["market"] == "EEA" and body["country"] == "DE"
    assert body["source"]

    unknown = client.get("/market-requirements", params={"country": "XQ", "category": "brake_pads"}, headers=ANONYMOUS)
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "country"

    missing = client.get("/market-requirements", params={"country": "DE"}, headers=ANONYMOUS)
    assert missing.status_code == 422
    assert missing.json()["field"] == "category"


def test_the_registry_is_public_data(client: TestClient) -> None:
    schemes = client.get("/schemes", headers=ANONYMOUS).json()
    r90 = next(s for s in schemes if s["code"] == "ECE_R90")
    assert r90["number_format"]["example"] == "E4 90R-01 1234/5678"
    markets = client.get("/markets", headers=ANONYMOUS).json()
    assert any(m["code"] == "EAEU" for m in markets["markets"])
    assert client.get("/schemes").status_code == 401


def test_the_storefront_offers_only_quotable_unrestricted_countries() -> None:
    from marketplace.compliance import markets
    from storefront.web import COUNTRIES

    today = date(2026, 12, 1)
    for country in COUNTRIES:
        assert markets.destination_refusal(country, today) is None, country
