"""Vehicles through the public API, against the real catalog on the demo data: VIN decoding,
the make, model and year selectors, whether a part fits, the buyer's garage, and search in
the buyer's language."""

from __future__ import annotations

import uuid
from typing import Any

from tests.gateway.factories import Stack, codes, data_of

# Volkswagen's European VINs: WVW, filler ZZZ, model code (1K Golf, 3C Passat), Z, year (B = 2011).
GOLF_VIN = "WVWZZZ1KZBW123456"
PASSAT_VIN = "WVWZZZ3CZBW654321"
BAD_CHECK_DIGIT_VIN = "1HGCM82633A004353"  # a Honda whose check digit (9th character) is wrong
UNKNOWN_MAKER_VIN = "9ZZZZZ1KZBW123456"

DECODE = """query ($vin: String!) {
  decodeVin(vin: $vin) { vin manufacturer modelYear model vehicle { make model year engineCode vin } }
}"""
SEARCH = """query ($search: String, $filter: PartFilter, $locale: String, $vehicle: VehicleInput!) {
  parts(search: $search, filter: $filter, first: 100) {
    edges { node {
      id category title(locale: $locale) fits(vehicle: $vehicle) fitments { make model yearFrom yearTo }
    } }
  }
}"""
GARAGE = "{ myGarage { id make model year vin selected } }"
ADD = "mutation ($input: VehicleInput!) { addVehicle(input: $input) { id make model year vin selected } }"
SELECT = "mutation ($id: ID!) { selectVehicle(id: $id) { id selected } }"
REMOVE = "mutation ($id: ID!) { removeVehicle(id: $id) { id } }"


def buyer_token(stack: Stack) -> str:
    result = stack.gql(
        """mutation ($email: String!) { register(input: {email: $email, password: "a long passphrase here",
             role: BUYER}) { token } }""",
        {"email": f"werkstatt-{uuid.uuid4().hex[:8]}@hamburg.example"},
    )
    return str(data_of(result)["register"]["token"])


def field_of(result: dict[str, Any]) -> str | None:
    return result["errors"][0]["extensions"].get("field")


def nodes(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data_of(result)["parts"]["edges"]]


def test_a_golf_vin_decodes_to_the_golf_and_a_vin_that_decodes_to_nothing_names_the_field(stack: Stack) -> None:
    decoded = data_of(stack.gql(DECODE, {"vin": GOLF_VIN.lower()}))["decodeVin"]
    assert decoded["manufacturer"] == "Volkswagen" and decoded["modelYear"] == 2011 and decoded["model"] == "Golf"
    assert decoded["vehicle"] == {
        "make": "Volkswagen",
        "model": "Golf",
        "year": 2011,
        "engineCode": None,
        "vin": GOLF_VIN,
    }
    for vin, words in ((BAD_CHECK_DIGIT_VIN, "check digit"), (UNKNOWN_MAKER_VIN, "unknown manufacturer"), ("WVW", "")):
        refused = stack.gql(DECODE, {"vin": vin})
        assert codes(refused) == ["BAD_USER_INPUT"] and field_of(refused) == "vin", refused
        assert words in refused["errors"][0]["message"]


def test_a_golf_vin_lists_only_parts_that_fit_a_golf_of_its_year(stack: Stack) -> None:
    hits = nodes(stack.gql(SEARCH, {"filter": {"vin": GOLF_VIN}, "vehicle": {"vin": GOLF_VIN}}))
    assert hits
    for part in hits:
        assert part["fits"] is True
        assert any(f["model"] == "Golf" and f["yearFrom"] <= 2011 <= f["yearTo"] for f in part["fitments"]), part
    everything = nodes(stack.gql(SEARCH, {"search": "water pump", "vehicle": {"vin": GOLF_VIN}}))
    passat_pumps = [p for p in everything if {f["model"] for f in p["fitments"]} == {"Passat"}]
    golf_pumps = [p for p in everything if any(f["model"] == "Golf" for f in p["fitments"])]
    assert passat_pumps and golf_pumps
    assert all(p["fits"] is False for p in passat_pumps) and all(p["fits"] is True for p in golf_pumps)
    assert not {p["id"] for p in passat_pumps} & {p["id"] for p in hits}


def test_fits_by_make_model_and_year_and_a_bad_vehicle_names_its_field(stack: Stack) -> None:
    pumps = nodes(stack.gql(SEARCH, {"search": "water pump", "vehicle": {"make": "VW", "model": "golf", "year": 2012}}))
    golf = [p for p in pumps if any(f["model"] == "Golf" for f in p["fitments"])]
    assert golf and all(p["fits"] for p in golf)
    assert all(not p["fits"] for p in pumps if p not in golf)
    too_old = nodes(
        stack.gql(SEARCH, {"search": "water pump", "vehicle": {"make": "VW", "model": "Golf", "year": 1990}})
    )
    assert not any(p["fits"] for p in too_old)
    refused = stack.gql(SEARCH, {"search": "water pump", "vehicle": {"vin": BAD_CHECK_DIGIT_VIN}})
    assert "BAD_USER_INPUT" in codes(refused) and field_of(refused) == "vin"


def test_selectors_come_from_the_catalogs_fitments(stack: Stack) -> None:
    query = (
        "query ($make: String, $model: String) { fitmentOptions(make: $make, model: $model) { makes models years } }"
    )
    makes = data_of(stack.gql(query))["fitmentOptions"]
    assert {"Volkswagen", "Toyota", "BYD"} <= set(makes["makes"]) and makes["models"] == makes["years"] == []
    vw = data_of(stack.gql(query, {"make": "VW"}))["fitmentOptions"]
    assert {"Golf", "Passat", "Tiguan"} <= set(vw["models"]) and "Corolla" not in vw["models"]
    golf = data_of(stack.gql(query, {"make": "Volkswagen", "model": "Golf"}))["fitmentOptions"]
    assert golf["years"] == sorted(golf["years"], reverse=True) and {2004, 2011, 2017} <= set(golf["years"])
    assert 2003 not in golf["years"]


def test_the_garage_keeps_several_vehicles_and_one_current(stack: Stack) -> None:
    token = buyer_token(stack)
    assert data_of(stack.gql(GARAGE, token=token))["myGarage"] == []
    golf = data_of(stack.gql(ADD, {"input": {"vin": GOLF_VIN}}, token=token))["addVehicle"]
    assert (golf["make"], golf["model"], golf["year"], golf["vin"], golf["selected"]) == (
        "Volkswagen",
        "Golf",
        2011,
        GOLF_VIN,
        True,
    )
    again = data_of(stack.gql(ADD, {"input": {"vin": GOLF_VIN}}, token=token))["addVehicle"]
    assert again["id"] == golf["id"]  # a retried add keeps one vehicle
    corolla = data_of(stack.gql(ADD, {"input": {"make": "toyota", "model": "corolla", "year": 2010}}, token=token))
    corolla = corolla["addVehicle"]
    assert (corolla["make"], corolla["model"], corolla["selected"]) == ("Toyota", "Corolla", True)
    garage = data_of(stack.gql(GARAGE, token=token))["myGarage"]
    assert [(v["id"], v["selected"]) for v in garage] == [(golf["id"], False), (corolla["id"], True)]

    assert data_of(stack.gql(SELECT, {"id": golf["id"]}, token=token))["selectVehicle"]["selected"] is True
    garage = data_of(stack.gql(GARAGE, token=token))["myGarage"]
    assert [v["selected"] for v in garage] == [True, False]
    node = data_of(
        stack.gql(
            "query ($id: ID!) { node(id: $id) { ... on GarageVehicle { vin } } }", {"id": golf["id"]}, token=token
        )
    )
    assert node["node"] == {"vin": GOLF_VIN}

    stranger = buyer_token(stack)
    assert codes(stack.gql(SELECT, {"id": golf["id"]}, token=stranger)) == ["NOT_FOUND"]
    assert data_of(stack.gql(REMOVE, {"id": golf["id"]}, token=stranger))["removeVehicle"] == []
    assert codes(stack.gql(GARAGE)) == ["UNAUTHENTICATED"]

    left = data_of(stack.gql(REMOVE, {"id": golf["id"]}, token=token))["removeVehicle"]
    assert [v["id"] for v in left] == [corolla["id"]]
    assert data_of(stack.gql(REMOVE, {"id": golf["id"]}, token=token))["removeVehicle"] == left

    for vehicle, field in (
        ({"vin": BAD_CHECK_DIGIT_VIN}, "vin"),
        ({"make": "Volkswagen", "model": "Golf"}, "year"),
        ({"make": "Volkswagen", "model": "Golf", "year": 1900}, "year"),
        ({"model": "Golf", "year": 2011}, "make"),
    ):
        refused = stack.gql(ADD, {"input": vehicle}, token=token)
        assert codes(refused) == ["BAD_USER_INPUT"] and field_of(refused) == field, (vehicle, refused)
    assert len(data_of(stack.gql(GARAGE, token=token))["myGarage"]) == 1


def test_german_and_chinese_part_names_find_the_parts(stack: Stack) -> None:
    def categories(search: str) -> set[str]:
        return {p["category"] for p in nodes(stack.gql(SEARCH, {"search": search, "vehicle": {"vin": GOLF_VIN}}))}

    assert categories("Wasserpumpe") == categories("水泵") == categories("water pump") == {"water_pump"}
    assert categories("Stoßdämpfer") == categories("stossdampfer") == {"shock_absorber"}
    assert categories("Lichtmaschine Golf") == {"alternator"}
    assert categories("Kühlmittelpumpe") == {"water_pump"}
    german = nodes(stack.gql(SEARCH, {"search": "Wasserpumpe Golf", "locale": "de", "vehicle": {"vin": GOLF_VIN}}))
    assert german and all(p["title"].split(": ")[1].startswith("Wasserpumpe für Volkswagen Golf") for p in german)


def test_a_supplier_gives_titles_in_more_languages(stack: Stack) -> None:
    from tests.catalog.factories import valid_uscc
    from tests.gateway.factories import CREATE_PART, REGISTER_SUPPLIER

    supplier = data_of(
        stack.gql(
            REGISTER_SUPPLIER,
            {"email": f"s-{uuid.uuid4().hex[:8]}@reman.example.cn", "uscc": valid_uscc(), "en": "Pumpen Reman"},
        )
    )["register"]["token"]
    stack.verify_supplier(supplier)
    part_input = {
        "sku": f"WP-{uuid.uuid4().hex[:6]}",
        "titleEn": "Remanufactured coolant pump Skoda Octavia",
        "titleTranslations": [{"locale": "fr", "title": "Pompe à eau reconditionnée Skoda Octavia"}],
        "category": "water_pump",
        "condition": "REMANUFACTURED",
        "oemNumbers": ["04E121600AL"],
        "priceCny": 90000,
        "warrantyMonths": 24,
        "weightGrams": 1500,
        "fitments": [{"make": "Skoda", "model": "Octavia", "yearFrom": 2013, "yearTo": 2020}],
    }
    created = data_of(stack.gql(CREATE_PART, {"input": part_input}, token=supplier))["createPart"]
    read = """query ($id: ID!) { part(id: $id) { fr: title(locale: "fr-FR") de: title(locale: "de")
      titleTranslations { locale title } } }"""
    part = data_of(stack.gql(read, {"id": created["id"]}))["part"]
    assert part["fr"] == "Pompe à eau reconditionnée Skoda Octavia"
    assert part["de"] == "Remanufactured coolant pump Skoda Octavia"
    assert part["titleTranslations"] == [{"locale": "fr", "title": "Pompe à eau reconditionnée Skoda Octavia"}]
    found = nodes(
        stack.gql(SEARCH, {"search": "pompe", "vehicle": {"make": "Skoda", "model": "Octavia", "year": 2015}})
    )
    assert [p["id"] for p in found] == [created["id"]] and found[0]["fits"] is True
    bad = dict(part_input, sku="WP-BAD", titleTranslations=[{"locale": "xx-yy", "title": "?"}])
    refused = stack.gql(CREATE_PART, {"input": bad}, token=supplier)
    assert codes(refused) == ["BAD_USER_INPUT"] and field_of(refused) == "title_translations.xx-yy"
