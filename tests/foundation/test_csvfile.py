"""The one CSV writer of every export: text a spreadsheet would run as a formula is written as
text, and what it writes reads back exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.common.csvfile import FORMULA_START, neutralise, unneutralise, write_csv


@given(st.text())
def test_no_cell_starts_a_formula_and_every_cell_reads_back(text: str) -> None:
    guarded = neutralise(text)
    assert not guarded.startswith(FORMULA_START)
    assert unneutralise(guarded) == text


def test_the_file_has_a_byte_order_mark_crlf_and_numbers_stay_numbers() -> None:
    data = write_csv(("sku", "title", "amount"), [("=1+1", "'=already quoted", Decimal("-12.50")), ("A", None, -3)])
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["sku", "title", "amount"], ["'=1+1", "''=already quoted", "-12.50"], ["A", "", "-3"]]
    assert [unneutralise(cell) for cell in rows[1][:2]] == ["=1+1", "'=already quoted"]
