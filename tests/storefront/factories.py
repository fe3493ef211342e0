"""Test data for storefront tests: companies with well-formed codes, fresh e-mail addresses."""

from __future__ import annotations

import itertools
import uuid

from services.catalog.domain import uscc_check_character

_serial = itertools.count(1)
PASSWORD = "tongnan-remanufacturing-2026"

GOOD_AND_BAD_CSV = "\n".join(
    [
        "sku,title_en,title_zh,category,condition,price_cny,weight_grams,on_hand,oem_numbers,fitments",
        "{p}-ALT-1,Remanufactured alternator for Toyota Corolla,丰田卡罗拉 再制造发电机,alternator,REMANUFACTURED,"
        "980.00,5200,4,27060-0T020,Toyota:Corolla:2014-2019:2ZR-FE",
        "{p}-ALT-2,Alternator with a condition nobody knows,,alternator,BROKEN,700,5200,2,,",
        "{p}-STA-1,Remanufactured starter for Toyota Corolla,丰田卡罗拉 再制造起动机,starter,REMANUFACTURED,"
        "640.50,3100,6,28100-0T031,Toyota:Corolla:2014-2019:2ZR-FE",
        "",
    ]
)


def new_uscc() -> str:
    """A well-formed Unified Social Credit Code (Tongnan division) with the right check character."""
    first17 = f"91500152MB{next(_serial) + uuid.uuid4().int % 9_000_000:07d}"
    return first17 + uscc_check_character(first17)


def unique_email(prefix: str = "sales") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@tn-reman.cn"


def sku_prefix() -> str:
    return f"T{uuid.uuid4().hex[:6].upper()}"
