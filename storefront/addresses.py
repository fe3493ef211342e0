"""Where an order ships: the buyer's address book in the checkout. The address is chosen (or
entered) before the quote, its country is the quote's destination, and the order keeps a copy."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from storefront import i18n
from storefront.api_client import ApiError, Result
from storefront.web import COOKIE_COUNTRY, COOKIE_CURRENCY, COUNTRIES, Page

COOKIE_SHIP_TO = "tn_ship_to"
NEW = "new"
FIELDS = (
    "name",
    "company_name",
    "street_address",
    "postal_code",
    "city",
    "country_area",
    "country",
    "phone",
    "vat_number",
    "eori_number",
)
_INPUT_NAMES = {
    "name": "name",
    "company_name": "companyName",
    "street_address": "streetAddress",
    "postal_code": "postalCode",
    "city": "city",
    "country_area": "countryArea",
    "country": "country",
    "phone": "phone",
    "vat_number": "vatNumber",
    "eori_number": "eoriNumber",
}
ADDRESS = "id name companyName streetAddress postalCode city countryArea country vatNumber eoriNumber formatted"
MY_ADDRESSES = f"query MyAddresses {{ viewer {{ addresses {{ {ADDRESS} }} }} }}"
ONE_ADDRESS = f"query OneAddress($id: ID!) {{ node(id: $id) {{ ... on Address {{ {ADDRESS} }} }} }}"
CREATE_ADDRESS = f"""
mutation CreateAddress($input: AddressInput!) {{ addressCreate(input: $input) {{ {ADDRESS} }} }}"""


async def address_book(page: Page) -> list[dict[str, Any]]:
    result = await page.query(MY_ADDRESSES)
    return list(((result.data or {}).get("viewer") or {}).get("addresses") or [])


async def chosen(page: Page) -> dict[str, Any] | None:
    """The address the buyer chose for this checkout, if it is still in the book."""
    address_id = page.request.cookies.get(COOKIE_SHIP_TO)
    if not address_id or len(address_id) > 120:
        return None
    result = await page.query(ONE_ADDRESS, {"id": address_id})
    node = (result.data or {}).get("node")
    return dict(node) if node and node.get("country") else None


def typed(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name) or "")[:400] for name in FIELDS}


async def ship_to(page: Page, form: FormData) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The address the form chose from the book, or the new one it entered, saved to the book;
    else the errors by field, worded in the page's language."""
    choice = str(form.get("address_id") or NEW)
    if choice != NEW:
        book = await address_book(page)
        found = next((a for a in book if a["id"] == choice), None)
        if found is not None:
            return found, {}
    entered = typed(form)
    required = ("name", "street_address", "country")
    variables = {_INPUT_NAMES[k]: v if v or k in required else None for k, v in entered.items()}
    result = await page.query(CREATE_ADDRESS, {"input": variables})
    created = (result.data or {}).get("addressCreate")
    if created is not None:
        return created, {}
    return None, field_errors(page, result, entered.get("country") or page.country)


def field_errors(page: Page, result: Result, country: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in result.errors:
        name = error.form_field(FIELDS) or ""
        errors.setdefault(name, _worded(page, error, name, country))
    return errors


def _worded(page: Page, error: ApiError, name: str, country: str) -> str:
    """The refusal in the page's language: the API's reason, said for the field it concerns."""
    where = page.country_name(country)
    reason = error.reason
    if name == "vat_number" and reason == "INVALID":
        return page._("This VAT number is not valid. Check the country prefix (such as DE) and the digits.")
    if name == "eori_number" and reason == "INVALID":
        return page._("This EORI number is not valid: a country code and up to 15 letters or digits.")
    if name == "company_name" and reason == "REQUIRED":
        return page._("A VAT or EORI number belongs to a company: enter the company's name.")
    if name == "postal_code" and reason == "INVALID":
        return page._("This postcode does not have the format used in {country}.", country=where)
    if name == "country":
        return page._("Choose the country to ship to.")
    if reason == "REQUIRED":
        return page._("Required for addresses in {country}.", country=where)
    if reason == "INVALID":
        return page._("Not valid for addresses in {country}.", country=where)
    if reason == "NOT_USED_IN_COUNTRY":
        return page._("Not used in {country}; leave it empty.", country=where)
    if reason == "TOO_LONG":
        return page._("Too long.")
    return error.message


def follow_address(page: Page, address: dict[str, Any]) -> None:
    """The checkout ships where the address is: the visitor's country becomes the address's, and
    the currency that country's when we quote in it. The choice is kept for the next pages."""
    page.remember(COOKIE_SHIP_TO, address["id"])
    country = address["country"]
    if country == page.country:
        return
    page.country = country
    if country in COUNTRIES:
        page.remember(COOKIE_COUNTRY, country)
    currency = i18n.territory_currency(country)
    if currency and currency in page.currencies:
        page.currency = currency
        page.remember(COOKIE_CURRENCY, currency)
