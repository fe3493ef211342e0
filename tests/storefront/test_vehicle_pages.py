"""The buyer's vehicle on the pages, without a browser: a visitor's VIN kept in its cookie, the
results narrowed to the vehicle or all marked, the part page's badge and warning, German
messages for a VIN that decodes to nothing, and the garage of a signed-in buyer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from storefront import i18n
from storefront.vehicles import COOKIE_VEHICLE
from tests.gateway.factories import Stack
from tests.storefront.factories import PASSWORD, unique_email

GOLF_VIN = "WVWZZZ1KZBW123456"
FITS = "Fits your Volkswagen Golf 2011"
DOES_NOT_FIT = "Does not fit your Volkswagen Golf 2011"


def result_titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/parts/[^"]+">([^<]+)</a></h3>', html)


def test_a_visitors_vin_is_kept_and_narrows_then_marks_the_results(storefront: TestClient) -> None:
    page = storefront.get("/", params={"q": "water pump", "vin": GOLF_VIN})
    assert page.status_code == 200
    assert "Volkswagen Golf 2011" in page.text and COOKIE_VEHICLE in storefront.cookies
    titles = result_titles(page.text)
    assert titles and all("Volkswagen Golf" in t for t in titles)
    assert page.text.count(FITS) == len(titles) and DOES_NOT_FIT not in page.text

    # The next page remembers the vehicle without a VIN in the address.
    everything = storefront.get("/", params={"q": "water pump", "all": "1"})
    titles = result_titles(everything.text)
    assert any("Passat" in t for t in titles) and any("Golf" in t for t in titles)
    assert everything.text.count(FITS) + everything.text.count(DOES_NOT_FIT) == len(titles)
    passat = re.search(r'<h3><a href="(/parts/[^"]+)">[^<]*Passat', everything.text)
    assert passat is not None
    part_page = storefront.get(passat.group(1))
    assert DOES_NOT_FIT in part_page.text and FITS not in part_page.text

    cleared = storefront.post("/vehicle/clear", data={"next": "/?q=water+pump"}, follow_redirects=False)
    assert cleared.status_code == 303 and cleared.headers["location"] == "/?q=water+pump"
    plain = storefront.get("/", params={"q": "water pump"})
    assert "Your vehicle" not in plain.text and FITS not in plain.text and DOES_NOT_FIT not in plain.text


def test_a_vin_that_decodes_to_nothing_is_explained_in_german_on_its_field(storefront: TestClient) -> None:
    storefront.cookies.set("tn_locale", "de")
    for vin, english in (
        (
            "1HGCM82633A004353",
            "This VIN is not valid: its check digit (the 9th character) does not match. Please check it.",
        ),
        ("9ZZZZZ1KZBW123456", "This VIN names no manufacturer we know (its first 3 characters). Please check it."),
    ):
        page = storefront.get("/", params={"vin": vin})
        assert page.status_code == 422
        german = i18n.translate("de", english)
        assert german != english and f'<p class="error" id="vin-error">{german}</p>' in page.text
        assert re.search(r'<input id="vin"[^>]*aria-invalid="true"', page.text)
        assert COOKIE_VEHICLE not in storefront.cookies


def test_the_selectors_offer_the_catalogs_makes_models_and_years(storefront: TestClient) -> None:
    page = storefront.get("/", params={"make": "Volkswagen"})
    assert '<option value="Golf">Golf</option>' in page.text and '<option value="Corolla">' not in page.text
    chosen = storefront.get("/", params={"make": "Volkswagen", "model": "Golf"})
    assert '<option value="2011">2011</option>' in chosen.text
    picked = storefront.get("/", params={"make": "Volkswagen", "model": "Golf", "year": "2011", "q": "water pump"})
    assert "Volkswagen Golf 2011" in picked.text and FITS in picked.text


def test_a_signed_in_buyers_vin_goes_to_the_garage(storefront: TestClient, stack: Stack) -> None:
    email = unique_email("garage")
    storefront.post("/account/register", data={"email": email, "password": PASSWORD, "next": "/"})
    page = storefront.get("/", params={"vin": GOLF_VIN})
    garage = re.search(r'<ul class="garage" id="garage">(.*?)</ul>', page.text, re.S)
    assert garage and "Volkswagen Golf 2011" in garage.group(1)
    corolla = storefront.get("/", params={"make": "Toyota", "model": "Corolla", "year": "2010"})
    assert corolla.text.count("<li>\n          <span>") == 2  # two vehicles in the garage
    golf_id = re.search(r'name="id" value="([^"]+)"', garage.group(1))
    assert golf_id is not None
    storefront.post("/garage/select", data={"id": golf_id.group(1), "next": "/"})
    assert "Your vehicle: <strong>Volkswagen Golf 2011</strong>" in storefront.get("/").text
    storefront.post("/garage/remove", data={"id": golf_id.group(1), "next": "/"})
    after = storefront.get("/").text
    assert "Volkswagen Golf 2011" not in after and "Toyota Corolla 2010" in after
