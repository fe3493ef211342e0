"""Which duty rows price a line: the destination's national line, the measures on it, preferences.

1. National line. A part's HS code has 6 to 10 digits, and beyond 6 they are usually China's
   own national line, which means nothing to the destination's customs. So the code is read at
   6 digits and mapped, per destination territory and subheading (and catalog category where
   the line depends on what the part is), to the destination's national AFTERMARKET line
   (`nationalLines` in duty_rates.json: e.g. EU CN 8708 30 91 brakes for disc brakes, never
   8708 30 10 "for the industrial assembly of ..."). Where no line is mapped, the duty rows are
   read at the subheading and the rows' own level (heading or chapter).
2. Measures. For each measure, the row in force of the exact origin (else '*') with the longest
   prefix of the national line wins; the rates of all measures found are added (stacked).
3. Preferences. A row with a `scheme` is a preferential rate (RCEP, ChAFTA ...) for its origin;
   it counts only when the part's supplier holds a valid certificate of origin of that scheme
   covering the part. The lowest of MFN and the preferences the part qualifies for is applied,
   named after its agreement; a preference no lower than MFN is not claimed.
4. Exclusions. A row with `notWith` is lifted when one of those measures is on the line (the
   reciprocal IEEPA duty does not apply to goods under the Section 232 auto-parts duty).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from services.orders.quotes.landed_cost.tables import DutyRow, NationalLine, Tables, in_force

MFN = "MFN"


def national_line(tables: Tables, territory: str, hs_code: str, category: str, on: date) -> NationalLine | None:
    """The destination's aftermarket line for the part, or None where the schedule is read at 6 digits."""
    subheading = hs_code[:6]
    rows = [
        r
        for r in in_force(tables.national_lines, on)
        if r.territory == territory and r.subheading == subheading and r.category in (category, None)
    ]
    # A line for the category beats the subheading's general line.
    return max(rows, key=lambda r: r.category is not None, default=None)


def duty_measures(
    tables: Tables,
    territory: str,
    code: str,
    on: date,
    origin: str = "CN",
    schemes: Collection[str] = (),
) -> list[DutyRow]:
    """The rows that price `code` (a national line or an HS code) on `on`: MFN or the best
    preference in its place first, then the other measures by name."""
    rows = [
        r
        for r in in_force(tables.duty_rates, on)
        if r.territory == territory
        and r.origin in (origin, "*")
        and code.startswith(r.hs_prefix)
        and (r.scheme is None or r.scheme in schemes)
    ]
    chosen: dict[str, DutyRow] = {}
    for row in rows:
        best = chosen.get(row.measure)
        key = (row.origin == origin, len(row.hs_prefix))
        if best is None or key > (best.origin == origin, len(best.hs_prefix)):
            chosen[row.measure] = row
    preferences = [r for r in chosen.values() if r.scheme is not None]
    for row in preferences:
        del chosen[row.measure]
    mfn = chosen.get(MFN)
    if mfn is not None and preferences:
        best_preference = min(preferences, key=lambda r: (r.rate, r.measure))
        if best_preference.rate < mfn.rate:
            del chosen[MFN]
            chosen[best_preference.measure] = best_preference
    kept = [r for r in chosen.values() if not set(r.not_with) & chosen.keys()]
    return sorted(kept, key=lambda r: (r.measure != MFN and r.scheme is None, r.measure))


@dataclass(frozen=True, slots=True)
class DutySelection:
    line: str  # what the rows were read at: the national line, else the 6-digit subheading
    national: NationalLine | None
    measures: list[DutyRow]
    mfn: DutyRow | None  # the MFN row, also where a preference replaced it
    preference: DutyRow | None  # the preferential row applied instead of MFN

    @property
    def has_rule(self) -> bool:
        return self.mfn is not None


def select(
    tables: Tables,
    territory: str,
    hs_code: str,
    category: str,
    on: date,
    *,
    origin: str = "CN",
    schemes: Collection[str] = (),
) -> DutySelection:
    """The national line of the part and the duty rows that price it."""
    national = national_line(tables, territory, hs_code, category, on)
    line = national.line if national is not None else hs_code[:6]
    measures = duty_measures(tables, territory, line, on, origin, schemes)
    mfn = next((m for m in duty_measures(tables, territory, line, on, origin) if m.measure == MFN), None)
    preference = next((m for m in measures if m.scheme is not None), None)
    return DutySelection(line, national, measures, mfn, preference)
