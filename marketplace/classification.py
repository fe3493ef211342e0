"""Does a part's HS code fit its catalog category?

Each category of services/catalog/data/categories.json lists the HS headings or subheadings its
parts may be classified under (`hs_headings`, sourced in that file's `_about`): brake pads are
8708 30 when mounted on shoes or backing plates and 6813 as unmounted friction material, an
alternator is 8511 50, and so on. The catalog refuses a part whose code does not start with one
of them, and the landed-cost quote refuses such a line, with the same code, so a misclassified
part is never priced at another heading's duty.

The category list is the catalog's; this module only reads it, so both services apply one rule.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from services.common.errors import BadInput

CATEGORIES_FILE = Path(__file__).resolve().parent.parent / "services" / "catalog" / "data" / "categories.json"


class HsCodeCategoryMismatch(BadInput):
    code = "HS_CODE_CATEGORY_MISMATCH"


@cache
def headings() -> dict[str, tuple[str, ...]]:
    """The allowed HS prefixes per category code."""
    raw = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return {code: tuple(c["hs_headings"]) for code, c in raw["categories"].items()}


def fits(category: str, hs_code: str) -> bool:
    """True when `hs_code` (digits only) starts with one of the category's headings; a category
    the list does not know fits nothing."""
    return any(hs_code.startswith(prefix) for prefix in headings().get(category, ()))


def check(category: str, hs_code: str, *, field: str) -> None:
    """Raise HsCodeCategoryMismatch (naming `field`) unless the code fits the category."""
    if not fits(category, hs_code):
        allowed = ", ".join(headings().get(category, ())) or "none"
        raise HsCodeCategoryMismatch(
            f"HS code {hs_code} does not fit category {category!r}; its parts are classified under {allowed}",
            field=field,
            category=category,
            allowed_headings=list(headings().get(category, ())),
        )
