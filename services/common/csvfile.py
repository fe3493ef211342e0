"""The one writer of the CSV files people download, so each is safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets (CSV injection, as OWASP describes it): a supplier's SKU of
`=HYPERLINK(...)` would become a link, or worse, on the desk of whoever opens the file. Such a
text cell is written with a leading `'`, which the spreadsheet shows as text; `unneutralise`
takes it off again, so an export imports back exactly. A number (int, Decimal) is written as it
is: it is never a formula, and a negative amount must stay a number.

Files are UTF-8 with a byte order mark, without which spreadsheet programs read the Chinese of
our files in the local code page, and CRLF line ends (RFC 4180).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
MEDIA_TYPE = "text/csv; charset=utf-8"

Cell = str | int | Decimal | None


def _needs_guard(text: str) -> bool:
    # Quotes before a formula character are guarded too, so that unneutralise is exact.
    return text.lstrip(GUARD).startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """The text as a spreadsheet will show it rather than run it."""
    return GUARD + text if _needs_guard(text) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise` (`'=...` -> `=...`), for a file of ours that comes back as an import."""
    return text[1:] if text.startswith(GUARD) and _needs_guard(text[1:]) else text


def _cell(value: Cell) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The file: a header row of `columns`, then `rows` with every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row of {len(row)} cells under {len(columns)} columns")
        writer.writerow([_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")
