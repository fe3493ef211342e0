"""Words of the pages in English, Chinese and German.

English is the source text and the key; a missing translation falls back to it, and
tests/storefront/test_i18n.py checks that every text in the templates has both the
Chinese and the German translation. Country names come from Babel (CLDR).
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError

from storefront.messages import DE, EN, ZH

LOCALES = ("en", "zh", "de")
LOCALE_NAMES = {"en": "English", "zh": "中文", "de": "Deutsch"}
HTML_LANG = {"en": "en", "zh": "zh-Hans", "de": "de"}
CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH, "de": DE}

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


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an Accept-Language header; English when none fits."""
    preferred = []
    for item in (accept_language or "").split(","):
        tag = item.split(";")[0].strip().replace("_", "-")
        if tag and tag != "*":
            preferred.append(tag)
    try:
        chosen = Locale.negotiate(preferred, LOCALES, sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen.language) if chosen else "en"


def country_name(locale: str, code: str) -> str:
    try:
        return str(Locale.parse(locale).territories.get(code, code))
    except (UnknownLocaleError, ValueError):
        return code


def category_label(locale: str, code: str) -> str:
    names = CATEGORIES.get(code)
    return names.get(locale, names["en"]) if names else code.replace("_", " ")
