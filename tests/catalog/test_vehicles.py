"""Vehicle rules without HTTP: VIN model codes, whether a fitment list fits a vehicle, German
words in the index, and titles in further languages."""

from __future__ import annotations

import pytest

from services.catalog import domain
from services.catalog.contract import FitmentRead
from services.catalog.search import index, text
from services.catalog.vehicles import Vehicle, fits
from services.common.errors import BadInput


def fitment(make: str, model: str, years: tuple[int, int], engine: str | None = None) -> FitmentRead:
    return FitmentRead(make=make, model=model, year_from=years[0], year_to=years[1], engine_code=engine)


@pytest.mark.parametrize(
    ("vin", "make", "model", "year"),
    [
        ("WVWZZZ1KZBW123456", "volkswagen", "Golf", 2011),
        ("WVWZZZ3CZ9W123456", "volkswagen", "Passat", 2009),
        ("WAUZZZ8V0FA000001", "audi", "A3", 2015),
        ("TMBZZZ1Z0AB000001", "skoda", "Octavia", 2010),
    ],
)
def test_the_model_code_of_a_vin_names_the_model(vin: str, make: str, model: str, year: int) -> None:
    decoded = domain.decode_vin(vin)
    assert (decoded.make_keys[0], decoded.model, decoded.model_year) == (make, model, year)


def test_a_vin_without_a_known_model_code_decodes_to_the_make_alone() -> None:
    decoded = domain.decode_vin("WVWZZZ99ZBW123456")
    assert decoded.make_keys == ("volkswagen",) and decoded.model is None and decoded.model_year == 2011


@pytest.mark.parametrize(
    ("vin", "words"),
    [("1HGCM82633A004353", "check digit"), ("9ZZZZZ1KZBW123456", "unknown manufacturer"), ("WVW1K", "invalid VIN")],
)
def test_a_vin_that_decodes_to_nothing_is_refused_on_its_field(vin: str, words: str) -> None:
    with pytest.raises(BadInput) as refused:
        domain.decode_vin(vin)
    assert refused.value.field == "vin" and words in str(refused.value)


def test_fits_needs_make_model_and_year_and_agreeing_engine_codes() -> None:
    golf = [fitment("VW", "Golf", (2009, 2013), "CCZA"), fitment("Audi", "A3", (2009, 2013))]
    assert fits(golf, Vehicle("Volkswagen", "Golf", 2011))
    assert fits(golf, Vehicle("Volkswagen", "golf", 2011, engine_code="ccza"))
    assert not fits(golf, Vehicle("Volkswagen", "Golf", 2011, engine_code="CAXA"))
    assert fits(golf, Vehicle("Audi", "A3", 2012, engine_code="CAXA"))  # no engine code: every engine
    assert not fits(golf, Vehicle("Volkswagen", "Passat", 2011))
    assert not fits(golf, Vehicle("Volkswagen", "Golf", 2014))
    assert fits(golf, Vehicle("Volkswagen", None, 2013))  # a VIN naming only the make
    assert not fits([], Vehicle("Volkswagen", "Golf", 2011))


def test_german_words_are_whole_terms_with_or_without_umlauts() -> None:
    assert text.analyse("Stoßdämpfer") == text.analyse("STOSSDAMPFER") == text.analyse("Stossdämpfer")
    assert text.analyse("Wasserpumpe") == text.analyse("wasserpumpe") != text.analyse("Wasser Pumpe")
    assert text.analyse("水泵 ＡＢＣ") == ["水泵", "abc"]


def test_a_part_is_indexed_under_its_categorys_names_in_every_language() -> None:
    terms = index.part_weights({"title_en": "Remanufactured pump", "category": "water_pump"})
    for word in ("Wasserpumpe", "Kühlmittelpumpe", "水泵", "coolant"):
        assert set(text.query_terms(word)) <= terms.keys(), word


def test_a_translated_title_does_not_demote_the_english_title() -> None:
    part = {"title_en": "Remanufactured alternator for Geely Emgrand", "category": "alternator"}
    translated = {**part, "title_translations": {"de": "Aufbereitet: Lichtmaschine für Geely Emgrand EC7 2009-2016"}}
    plain, with_german = index.part_weights(part), index.part_weights(translated)
    assert with_german["altern"] == plain["altern"]
    assert with_german[text.query_terms("Lichtmaschine")[0]] > plain[text.query_terms("Lichtmaschine")[0]]


def test_title_translations_are_language_tags_and_the_page_language_picks_one() -> None:
    cleaned = domain.clean_title_translations({"de": " Wasserpumpe ", "pt_br": "Bomba d'água", "fr": " "})
    assert cleaned == {"de": "Wasserpumpe", "pt-BR": "Bomba d'água"}
    with pytest.raises(BadInput) as refused:
        domain.clean_title_translations({"klingon": "x"})
    assert refused.value.field == "title_translations.klingon"
    assert domain.title_in("de-AT", "Water pump", "水泵", cleaned) == "Wasserpumpe"
    assert domain.title_in("pt-BR", "Water pump", "水泵", cleaned) == "Bomba d'água"
    assert domain.title_in("zh-CN", "Water pump", "水泵", cleaned) == "水泵"
    assert domain.title_in("fr", "Water pump", "水泵", cleaned) == "Water pump"
