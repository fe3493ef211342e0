"""Catalog rules that need no database: categories, identifiers, part numbers, VINs."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from vininfo import Vin
from vininfo.exceptions import ValidationError as VinValidationError

from marketplace import classification
from services.common.clock import utcnow
from services.common.errors import BadInput

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    hs_code: str
    co2e_saved_kg_per_kg: float
    name_en: str
    name_zh: str


@cache
def categories() -> dict[str, Category]:
    raw: dict[str, Any] = json.loads((DATA_DIR / "categories.json").read_text(encoding="utf-8"))
    return {
        code: Category(code, c["hs_code"], float(c["co2e_saved_kg_per_kg"]), c["en"], c["zh"])
        for code, c in raw["categories"].items()
    }


@cache
def _synonyms() -> dict[str, dict[str, list[str]]]:
    raw: dict[str, Any] = json.loads((DATA_DIR / "synonyms.json").read_text(encoding="utf-8"))
    return dict(raw["categories"])


def category_names(code: str, language: str) -> list[str]:
    """The names of a category in one language (data/synonyms.json), the usual one first."""
    return list(_synonyms().get(code, {}).get(language, []))


@cache
def category_synonyms() -> dict[str, tuple[str, ...]]:
    """category -> the names buyers type for it, every language together (data/synonyms.json)."""
    return {
        code: tuple(name for names in by_language.values() for name in names)
        for code, by_language in _synonyms().items()
    }


def category(code: str, *, field: str = "category") -> Category:
    found = categories().get(code.strip().lower()) if isinstance(code, str) else None
    if found is None:
        raise BadInput(f"unknown category {code!r}; expected one of {', '.join(sorted(categories()))}", field=field)
    return found


@cache
def _categories_by_name() -> dict[str, str]:
    """A category's code by its names as suppliers write them in a spreadsheet: the English and
    Chinese names (data/categories.json), and the Chinese names buyers use for it
    (data/synonyms.json) that name no other category; compared without case and spaces."""
    names: dict[str, set[str]] = {}
    for code, c in categories().items():
        for name in (c.name_en, c.name_zh, *category_names(code, "zh")):
            names.setdefault(_name_key(name), set()).add(code)
    return {name: next(iter(codes)) for name, codes in names.items() if len(codes) == 1}


def _name_key(text: str) -> str:
    return "".join(text.split()).casefold()


def category_from_name(text: str) -> str | None:
    """The code of the category this code or name (`water_pump`, `Water pump`, `水泵`) means."""
    code = text.strip().lower()
    if code in categories():
        return code
    return _categories_by_name().get(_name_key(text))


def co2e_saved_grams(category_code: str, weight_grams: int) -> int:
    """Estimated CO2e avoided against a new part: per-category factor (kg per kg) x weight."""
    return round(category(category_code).co2e_saved_kg_per_kg * weight_grams)


# --- Titles in further languages ----------------------------------------------------------


def clean_title_translations(values: dict[str, str], *, field: str = "title_translations") -> dict[str, str]:
    """Language tags checked against CLDR and written as BCP 47 (`pt_br` -> `pt-BR`)."""
    cleaned: dict[str, str] = {}
    for raw, title in values.items():
        try:
            parsed = Locale.parse(raw.strip().replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            raise BadInput(f"{raw!r} is not a language tag such as de or pt-BR", field=f"{field}.{raw}") from None
        tag = "-".join(p for p in (parsed.language, parsed.script, parsed.territory) if p)
        if title.strip():
            cleaned[tag] = title.strip()
    return cleaned


def title_in(locale: str | None, title_en: str, title_zh: str | None, translations: dict[str, str] | None) -> str:
    """The title for a locale: the exact tag, then its language, then Chinese for zh, then English."""
    wanted = (locale or "en").replace("_", "-")
    language = wanted.split("-")[0].lower()
    translations = translations or {}
    for tag, title in translations.items():
        if tag.lower() == wanted.lower():
            return title
    if language == "zh" and title_zh:
        return title_zh
    if language in translations:
        return translations[language]
    return title_en


# --- Part numbers --------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_part_number(raw: str) -> str:
    """`1K0-615-301 AA` -> `1K0615301AA`: upper case, without spaces, dashes, dots, slashes.

    Full-width characters (as typed on Chinese keyboards) fold to ASCII first.
    """
    folded = unicodedata.normalize("NFKC", raw).upper()
    return _NOT_ALNUM.sub("", folded)


def clean_part_numbers(values: list[str], *, field: str) -> list[str]:
    cleaned: list[str] = []
    for i, value in enumerate(values):
        text = value.strip()
        normalised = normalise_part_number(text)
        if not normalised or len(normalised) > 40 or len(text) > 60:
            raise BadInput("a part number needs 1 to 40 letters or digits", field=f"{field}.{i}")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


# --- HS codes -----------------------------------------------------------------------------

_HS = re.compile(r"^\d{6,10}$")


def clean_hs_code(raw: str | None, category_code: str, *, field: str = "hs_code") -> str:
    """The code as digits, refused (HS_CODE_CATEGORY_MISMATCH) unless it fits the category's
    headings (data/categories.json `hs_headings`); none given: the category's default code."""
    if raw is None or not raw.strip():
        return category(category_code).hs_code
    digits = raw.strip().replace(".", "").replace(" ", "")
    if not _HS.match(digits):
        raise BadInput("an HS code has 6 to 10 digits (dots and spaces allowed)", field=field)
    if digits[:2] not in _HS_CHAPTERS_FOR_PARTS:
        raise BadInput(f"HS chapter {digits[:2]} is not a chapter for vehicle parts", field=field)
    classification.check(category_code, digits, field=field)
    return digits


# Chapters under which vehicle parts are classified: rubber, glass, metals, machinery,
# electrical, vehicles, instruments, seats.
_HS_CHAPTERS_FOR_PARTS = {"40", "68", "70", "73", "76", "83", "84", "85", "87", "90", "94"}


# --- Unified Social Credit Code (GB 32100-2015) --------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(raw: str, *, field: str = "uscc") -> str:
    code = raw.strip().upper()
    if len(code) != 18:
        raise BadInput(f"a Unified Social Credit Code has 18 characters, got {len(code)}", field=field)
    bad = [ch for ch in code if ch not in USCC_CHARSET]
    if bad:
        raise BadInput(
            f"character {bad[0]!r} is not allowed in a Unified Social Credit Code (no I, O, S, V, Z)",
            field=field,
        )
    if not code[2:8].isdigit():
        raise BadInput("characters 3 to 8 must be the administrative division code (digits)", field=field)
    # The message never names the right character: it would let anyone complete a code they
    # have only partly (a real company's, say) without knowing it.
    if code[17] != uscc_check_character(code[:17]):
        raise BadInput(
            "this Unified Social Credit Code is not valid (its check character does not match); "
            "copy it again from the business licence",
            field=field,
        )
    return code


# --- Makes, models and VINs ---------------------------------------------------------------


def key(text: str) -> str:
    """Lower-case letters and digits without accents: `Mercedes-Benz` -> `mercedesbenz`,
    `Škoda` -> `skoda` (as buyers type it and vininfo names it)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[\W_]+", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# vininfo names manufacturers ("FAW-Volkswagen", "BYD Auto", "Genesis"); these map the words
# of such a name to the makes suppliers write in fitments (by their `key`).
_MAKE_ALIASES: dict[str, tuple[str, ...]] = {
    "vw": ("volkswagen",),
    "genesis": ("hyundai", "genesis"),
    "great": ("greatwall", "haval"),
    "haval": ("haval", "greatwall"),
    "mercedes": ("mercedesbenz",),
    "mercedesbenz": ("mercedesbenz",),
    "benz": ("mercedesbenz",),
    "land": ("landrover",),
    "alfa": ("alfaromeo",),
    "chevy": ("chevrolet",),
}
# Words that name a joint-venture group rather than the make (FAW-Volkswagen, GAC Toyota).
_GROUPS = frozenset({"faw", "gac", "saic", "dongfeng", "brilliance", "beijing", "changan", "auto", "motor", "motors"})
_KNOWN = frozenset(
    {
        "volkswagen",
        "audi",
        "skoda",
        "seat",
        "porsche",
        "bmw",
        "mini",
        "toyota",
        "lexus",
        "honda",
        "acura",
        "nissan",
        "infiniti",
        "mazda",
        "mitsubishi",
        "subaru",
        "suzuki",
        "hyundai",
        "kia",
        "ford",
        "lincoln",
        "chevrolet",
        "buick",
        "cadillac",
        "gmc",
        "jeep",
        "chrysler",
        "dodge",
        "ram",
        "tesla",
        "volvo",
        "peugeot",
        "citroen",
        "renault",
        "fiat",
        "opel",
        "vauxhall",
        "byd",
        "geely",
        "changan",
        "chery",
        "haval",
        "greatwall",
        "jac",
        "nio",
        "xpeng",
        "liauto",
        "zeekr",
        "lynk",
        "mg",
        "roewe",
        "hongqi",
        "wuling",
    }
)


def make_keys(manufacturer: str) -> tuple[str, ...]:
    """Make keys a manufacturer or make name stands for: `VW` -> (volkswagen,),
    `FAW-Volkswagen` -> (volkswagen,), `Changan Suzuki` -> (suzuki, changan)."""
    words = [key(w) for w in re.split(r"[\s\-/()]+", manufacturer) if key(w)]
    whole = key(manufacturer)
    if whole in _MAKE_ALIASES:
        return _MAKE_ALIASES[whole]
    if whole in _KNOWN:
        return (whole,)
    found: dict[str, None] = {}
    for word in words:
        if word in _MAKE_ALIASES:
            found.update(dict.fromkeys(_MAKE_ALIASES[word]))
        elif word in _KNOWN and word not in _GROUPS:
            found[word] = None
    for word in words:  # a group name counts when it is the make itself (Changan, Dongfeng)
        if word in _GROUPS and word in _KNOWN:
            found[word] = None
    if found:
        return tuple(found)
    return (words[0] if words else whole,)


# Regions where the 9th character is a check digit: North America (1-5) and China (L, GB 16735).
_CHECK_DIGIT_PREFIXES = ("1", "2", "3", "4", "5", "L")


@dataclass(frozen=True, slots=True)
class DecodedVin:
    vin: str
    manufacturer: str
    make_keys: tuple[str, ...]
    model_year: int | None
    country: str | None
    model: str | None = None  # where the VIN names it (data/vin_models.json, or vininfo's details)
    engine_code: str | None = None  # where vininfo's details of the maker name it


@cache
def _vin_models() -> tuple[slice, dict[str, dict[str, str]]]:
    raw: dict[str, Any] = json.loads((DATA_DIR / "vin_models.json").read_text(encoding="utf-8"))
    start, stop = raw["positions"]
    return slice(start, stop), raw["models"]


def vin_model(vin: str, make_keys: tuple[str, ...]) -> str | None:
    """The model a VIN's model code names (`WVWZZZ1KZBW...` -> Golf), None when not known."""
    where, models = _vin_models()
    for make in make_keys:
        found = models.get(make, {}).get(vin[where])
        if found:
            return found
    return None


def _detail(vin: Vin, name: str) -> str | None:
    details = vin.details
    if details is None:
        return None
    value = getattr(details, name, None)
    return str(value.name) if value and value.name else None


def decode_vin(raw: str, *, field: str = "vin") -> DecodedVin:
    try:
        num = Vin.validate(raw)
    except VinValidationError as exc:
        raise BadInput(f"invalid VIN: {exc}", field=field) from None
    vin = Vin(num)
    if num.startswith(_CHECK_DIGIT_PREFIXES) and not vin.verify_checksum(check_year=False):
        raise BadInput("invalid VIN: the check digit (9th character) does not match", field=field)
    manufacturer = vin.manufacturer or ""
    if not manufacturer or manufacturer.lower() in ("unknown", "unsupportedbrand"):
        raise BadInput(f"unknown manufacturer code {num[:3]!r} in VIN", field=field)
    latest = utcnow().year + 1
    years = sorted((y for y in vin.years if y <= latest), reverse=True)
    keys = make_keys(manufacturer)
    return DecodedVin(
        vin=num,
        manufacturer=manufacturer,
        make_keys=keys,
        model_year=years[0] if years else None,
        country=vin.country,
        model=vin_model(num, keys) or _detail(vin, "model"),
        engine_code=_detail(vin, "engine"),
    )


def vin_check_digit(first8: str, rest8: str) -> str:
    """The check digit for a VIN made of `first8 + ? + rest8` (used by the demo data and tests)."""
    values = (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9)
    trans = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", values, strict=True))
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    num = first8 + "0" + rest8
    total = sum((int(ch) if ch.isdigit() else trans[ch]) * w for ch, w in zip(num, weights, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)
