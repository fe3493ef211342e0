"""Words of the pages in English, Chinese and German.

English is the source text and the key; a missing translation falls back to it, and
tests/storefront/test_i18n.py checks that every text in the templates has both the
Chinese and the German translation. Country names come from Babel (CLDR).
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies

from storefront.messages import DE, EN, ZH
from storefront.office.messages import OFFICE_ZH

LOCALES = ("en", "zh", "de")
# The back office is for the platform's staff in Chongqing: Chinese and English only.
OFFICE_LOCALES = ("zh", "en")
LOCALE_NAMES = {"en": "English", "zh": "中文", "de": "Deutsch"}
HTML_LANG = {"en": "en", "zh": "zh-Hans", "de": "de"}
CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": {**ZH, **OFFICE_ZH}, "de": DE}

CONDITIONS = {
    "REMANUFACTURED": "Remanufactured",
    "REFURBISHED": "Refurbished",
    "USED": "Used, tested",
    "NEW": "New",
}

# The catalog's category codes with their names (en and zh as the catalog lists them).
CATEGORIES: dict[str, dict[str, str]] = {
    "alternator": {"en": "Alternator", "zh": "发电机", "de": "Lichtmaschine"},
    "starter": {"en": "Starter motor", "zh": "起动机", "de": "Anlasser"},
    "turbocharger": {"en": "Turbocharger", "zh": "涡轮增压器", "de": "Turbolader"},
    "brake_caliper": {"en": "Brake caliper", "zh": "制动钳", "de": "Bremssattel"},
    "brake_pads": {"en": "Brake pads", "zh": "刹车片", "de": "Bremsbeläge"},
    "headlamp": {"en": "Headlamp", "zh": "大灯", "de": "Scheinwerfer"},
    "steering_rack": {"en": "Steering rack", "zh": "转向机", "de": "Lenkgetriebe"},
    "power_steering_pump": {"en": "Power steering pump", "zh": "助力泵", "de": "Servopumpe"},
    "ecu": {"en": "Engine control unit", "zh": "发动机电脑", "de": "Motorsteuergerät"},
    "transmission": {"en": "Transmission", "zh": "变速箱", "de": "Getriebe"},
    "engine": {"en": "Engine", "zh": "发动机", "de": "Motor"},
    "cylinder_head": {"en": "Cylinder head", "zh": "缸盖", "de": "Zylinderkopf"},
    "crankshaft": {"en": "Crankshaft", "zh": "曲轴", "de": "Kurbelwelle"},
    "flywheel": {"en": "Flywheel", "zh": "飞轮", "de": "Schwungrad"},
    "water_pump": {"en": "Water pump", "zh": "水泵", "de": "Wasserpumpe"},
    "fuel_injector": {"en": "Fuel injector", "zh": "喷油器", "de": "Einspritzdüse"},
    "egr_valve": {"en": "EGR valve", "zh": "废气再循环阀", "de": "AGR-Ventil"},
    "ac_compressor": {"en": "AC compressor", "zh": "空调压缩机", "de": "Klimakompressor"},
    "shock_absorber": {"en": "Shock absorber", "zh": "减震器", "de": "Stoßdämpfer"},
    "nev_battery_module": {"en": "NEV battery module", "zh": "动力电池模组", "de": "Batteriemodul (E-Fahrzeug)"},
    "nev_drive_motor": {"en": "NEV drive motor", "zh": "驱动电机", "de": "Antriebsmotor (E-Fahrzeug)"},
    "other": {"en": "Other part", "zh": "其他配件", "de": "Sonstiges Teil"},
}


def translate(locale: str, text: str, **values: Any) -> str:
    translated = CATALOGS.get(locale, {}).get(text, text)
    return translated.format(**values) if values else translated


def preferred_tags(accept_language: str | None) -> list[str]:
    """The header's language tags, most wanted first (by q, then by order); `*` and q=0 left out."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().replace("_", "-")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an Accept-Language header; English when none fits."""
    preferred = preferred_tags(accept_language)
    try:
        chosen = Locale.negotiate(preferred, LOCALES, sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen.language) if chosen else "en"


def territory(accept_language: str | None) -> str | None:
    """The visitor's likely country (ISO 3166-1 alpha-2) from Accept-Language: the region of the
    most wanted tag that has one (en-US -> US, ja-JP -> JP), else CLDR's likely region for its
    language (ja -> JP, de -> DE); None when the header says nothing usable."""
    likely = get_global("likely_subtags")
    for tag in preferred_tags(accept_language):
        try:
            locale = Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        if locale.territory and locale.territory.isalpha():
            return str(locale.territory)
        expanded = likely.get(str(locale)) or likely.get(locale.language)
        if expanded:
            region = Locale.parse(expanded).territory
            if region and region.isalpha():
                return str(region)
    return None


def territory_currency(code: str) -> str | None:
    """The currency legal tender in a country today (US -> USD, DE -> EUR, AE -> AED), from CLDR."""
    try:
        found = get_territory_currencies(code, tender=True)
    except (LookupError, ValueError):
        return None
    return str(found[0]) if found else None


def currency_name(locale: str, code: str) -> str:
    try:
        return str(get_currency_name(code, locale=locale))
    except (UnknownLocaleError, ValueError):
        return code


def country_name(locale: str, code: str) -> str:
    try:
        return str(Locale.parse(locale).territories.get(code, code))
    except (UnknownLocaleError, ValueError):
        return code


def category_label(locale: str, code: str) -> str:
    names = CATEGORIES.get(code)
    return names.get(locale, names["en"]) if names else code.replace("_", " ")
