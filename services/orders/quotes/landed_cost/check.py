"""`tongnan rules check`: every rule data file read as data, and the problems named.

Each data file is one registered `FileCheck` (its path, the lists of rows it holds, which
fields are values rather than part of a row's key, and whether its rows must be dated).
On every row it checks a non-empty `source`, ISO dates with validTo >= validFrom, and that
no two rows with the same key are in force on the same day. A row's key is every scalar
field that is not a value, a date or a source, so a field another change adds (a province,
a tariff-line level) separates rows instead of making them look like overlaps.

Then `coverage` checks that every quotable country (destinations.json) has, on every day
from its first validFrom on: a destination row, an import-tax row, a shipping rate for each
service to its zone, an MFN duty row for the HS code of every catalog category, and market
rules; and that a country named by market rules is quotable (a country is quotable if and
only if it has market rules). A JSON file in a data folder that no check names is still
read: its rows must have a source and valid dates (a new file is checked the day it lands).
Market rules and schemes may name only the catalog's categories and the schemes on record.

Pure: reads files, returns `Problem`s; the CLI prints them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
DATA_DIRS = ("services/orders/data", "marketplace/compliance/data", "services/catalog/data")
META = frozenset({"source", "validFrom", "validTo", "note", "notes", "_about", "about"})
# Files in the data folders that are not rule tables (bank formats, vehicle data, search synonyms).
NOT_RULES = frozenset({"services/catalog/data/synonyms.json", "services/catalog/data/vin_models.json"})


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.row}: {self.what}"


@dataclass(frozen=True)
class Row:
    """One rule row as the checks see it: where it is, its key and its dates (None when missing)."""

    file: str
    label: str
    key: tuple[Any, ...]
    data: dict[str, Any]
    valid_from: date | None
    valid_to: date | None  # None: open-ended (or missing validFrom)

    def in_force_span(self) -> tuple[date, date] | None:
        if self.valid_from is None:
            return None
        return self.valid_from, self.valid_to or date.max


@dataclass(frozen=True)
class FileCheck:
    """How to read one data file's rows.

    lists: the top-level keys that hold lists of rows ("." for the file's own top-level
    dict of named rows, e.g. categories). values: fields that are what a row says, not
    which row it is. dated: rows must carry validFrom (validTo may be null = open).
    sourced: rows must carry a non-empty source (the catalog's categories cite the file's
    `_about` instead).
    """

    path: str
    lists: tuple[str, ...] = ("rows",)
    values: frozenset[str] = frozenset()
    dated: bool = True
    sourced: bool = True
    label: Callable[[dict[str, Any]], str] | None = None


def _values(*names: str) -> frozenset[str]:
    return frozenset(names)


# One line per file. Fields not listed as values are part of the key.
FILE_CHECKS: list[FileCheck] = [
    FileCheck(
        "services/orders/data/destinations.json",
        values=_values("territory", "customsValueBasis", "zone", "coreDepositExcluded"),
    ),
    FileCheck(
        "services/orders/data/duty_rates.json",
        lists=("rows", "nationalLines"),
        values=_values("rate", "line", "description", "notWith"),
    ),
    FileCheck("services/orders/data/import_taxes.json", values=_values("name", "rate", "base", "customsValueUplift")),
    FileCheck("services/orders/data/de_minimis.json", values=_values("dutyMode")),
    FileCheck(
        "services/orders/data/shipping.json",
        lists=("mainCarriage", "delivery", "originHandling", "dangerousGoodsSurcharge"),
        values=_values("perKgAboveFen", "perConsignmentFen"),
    ),
    FileCheck("services/orders/data/insurance.json", lists=("rows", "terms"), values=_values("rate", "insuredShare")),
    FileCheck("services/orders/data/incoterms.json", lists=("rows", "onCarriageInImportTaxBase")),
    FileCheck("services/orders/data/dangerous_goods.json", lists=("classifications", "transport")),
    FileCheck(
        "services/orders/data/carriers.json",
        lists=("carriers",),
        values=_values("name", "trackingUrl"),
        dated=False,
    ),
    FileCheck(
        "marketplace/compliance/data/market_rules.json",
        lists=("markets",),
        values=_values("name"),
    ),
    FileCheck(
        "marketplace/compliance/data/schemes.json",
        lists=("schemes",),
        values=_values("name", "authority_type", "level", "typical_validity_months"),
        dated=False,
    ),
    FileCheck("services/catalog/data/categories.json", lists=(".",), dated=False, sourced=False),
]


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    rows: int = 0
    countries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return f"rules check: {self.files} files, {self.rows} rows, {self.countries} quotable countries, no problems"


# --- reading ------------------------------------------------------------------------------------


def _read(root: Path, rel: str, report: Report) -> Any:
    try:
        return json.loads((root / rel).read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.problems.append(Problem(rel, "-", "file is missing"))
    except (OSError, json.JSONDecodeError) as exc:
        report.problems.append(Problem(rel, "-", f"not readable JSON: {exc}"))
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _label(rel: str, list_key: str, index: int, row: dict[str, Any], key: tuple[Any, ...]) -> str:
    shown = " ".join(str(part) for _, part in key if part is not None)
    where = f"{list_key}[{index}]" if list_key not in ("rows", ".") else f"row {index}"
    if list_key == ".":
        where = "category"
    return f"{where} ({shown})" if shown else where


def _rows_of(data: Any, check: FileCheck, report: Report) -> Iterator[tuple[str, int, dict[str, Any]]]:
    if not isinstance(data, dict):
        report.problems.append(Problem(check.path, "-", "expected a JSON object at the top"))
        return
    for list_key in check.lists:
        if list_key == ".":
            for name, row in (data.get("categories", data)).items():
                if not name.startswith("_") and isinstance(row, dict):
                    yield ".", 0, {"code": name, **row}
            continue
        value = data.get(list_key)
        if value is None:
            report.problems.append(Problem(check.path, list_key, "expected rows under this key, found none"))
            continue
        rows = [value] if isinstance(value, dict) else value
        if not isinstance(rows, list):
            report.problems.append(Problem(check.path, list_key, "expected a list of rows"))
            continue
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                report.problems.append(Problem(check.path, f"{list_key}[{i}]", "a row must be an object"))
                continue
            yield list_key, i, row


def read_rows(root: Path, check: FileCheck, report: Report) -> list[Row]:
    """The file's rows, each checked for its source and dates (problems go to `report`)."""
    data = _read(root, check.path, report)
    if data is None:
        return []
    report.files += 1
    # A list of entries (a sanctions list, say) may name its source once, at the top of the file.
    file_source = data.get("source") if isinstance(data, dict) else None
    out = []
    for list_key, i, row in _rows_of(data, check, report):
        if isinstance(file_source, str) and file_source.strip() and "source" not in row:
            row = {**row, "source": file_source}
        key = tuple(
            sorted(
                (name, value)
                for name, value in row.items()
                if name not in META and name not in check.values and _scalar(value)
            )
        )
        label = check.label(row) if check.label else _label(check.path, list_key, i, row, key)
        out.append(_checked_row(check, list_key, label, key, row, report))
    report.rows += len(out)
    return out


def _checked_row(
    check: FileCheck, list_key: str, label: str, key: tuple[Any, ...], row: dict[str, Any], report: Report
) -> Row:
    def problem(what: str) -> None:
        report.problems.append(Problem(check.path, label, what))

    source = row.get("source")
    if check.sourced and (not isinstance(source, str) or not source.strip()):
        problem("no source: every rule row names the instrument it comes from")
    valid_from = valid_to = None
    if "validFrom" in row or check.dated:
        valid_from = _date(row.get("validFrom"))
        if valid_from is None:
            problem(f"validFrom {row.get('validFrom')!r} is not an ISO date (YYYY-MM-DD)")
    if row.get("validTo") is not None:
        valid_to = _date(row["validTo"])
        if valid_to is None:
            problem(f"validTo {row['validTo']!r} is not an ISO date (YYYY-MM-DD) or null")
        elif valid_from is not None and valid_to < valid_from:
            problem(f"validTo {valid_to} is before validFrom {valid_from}")
            valid_to = None
    elif check.dated and "validTo" not in row:
        problem("no validTo: give a date, or null for a row in force until further notice")
    return Row(check.path, label, (list_key, *key), row, valid_from, valid_to)


def overlaps(rows: Iterable[Row], report: Report) -> None:
    """Two rows with the same key in force on the same day."""
    groups: dict[tuple[str, tuple[Any, ...]], list[Row]] = defaultdict(list)
    for row in rows:
        if row.in_force_span() is not None:
            groups[(row.file, row.key)].append(row)
    for group in groups.values():
        group.sort(key=lambda r: r.valid_from or date.min)
        # The row in force longest so far: a later row that starts before it ends overlaps it.
        longest = group[0]
        for later in group[1:]:
            end = longest.valid_to or date.max
            later_start = later.valid_from or date.min
            if later_start <= end:
                report.problems.append(
                    Problem(
                        later.file,
                        later.label,
                        f"overlaps {longest.label}: same key, both in force "
                        + _gap_text((later_start, min(end, later.valid_to or date.max))),
                    )
                )
            if (later.valid_to or date.max) > end:
                longest = later


# --- coverage -----------------------------------------------------------------------------------


Span = tuple[date, date]


def gaps(spans: Iterable[Span], start: date) -> list[Span]:
    """The days from `start` on (to date.max) that no span covers."""
    out = []
    cursor = start
    for lo, hi in sorted(spans):
        if hi < cursor:
            continue
        if lo > cursor:
            out.append((cursor, lo - timedelta(days=1)))
        if hi == date.max:
            return out
        cursor = max(cursor, hi + timedelta(days=1))
    out.append((cursor, date.max))
    return out


def _gap_text(gap: Span) -> str:
    return f"from {gap[0]} on" if gap[1] == date.max else f"from {gap[0]} to {gap[1]}"


def _spans(rows: Iterable[Row]) -> list[Span]:
    """Where rows are in force; a row whose validFrom is missing or malformed (a problem already
    named) counts as always in force, so one bad date is not reported again as a gap."""
    return [row.in_force_span() or (date.min, date.max) for row in rows]


def _market_countries(row: Row) -> list[str]:
    countries = row.data.get("countries")
    return [c for c in countries if isinstance(c, str)] if isinstance(countries, list) else []


def coverage(tables: dict[str, list[Row]], report: Report) -> None:
    destinations = tables.get("services/orders/data/destinations.json", [])
    taxes = tables.get("services/orders/data/import_taxes.json", [])
    duties = tables.get("services/orders/data/duty_rates.json", [])
    shipping_file = tables.get("services/orders/data/shipping.json", [])
    shipping = [r for r in shipping_file if r.key[0] in ("mainCarriage", "delivery")]
    handling = [r for r in shipping_file if r.key[0] == "originHandling"]
    insurance = tables.get("services/orders/data/insurance.json", [])
    markets = [r for r in tables.get("marketplace/compliance/data/market_rules.json", []) if r.key[0] == "markets"]
    categories = tables.get("services/catalog/data/categories.json", [])
    services = sorted({str(r.data.get("service")) for r in shipping})
    hs_codes = sorted({(str(c.data.get("code")), str(c.data.get("hs_code"))) for c in categories})

    by_country: dict[str, list[Row]] = defaultdict(list)
    for row in destinations:
        if isinstance(row.data.get("country"), str):
            by_country[row.data["country"]].append(row)
    report.countries = len(by_country)
    dest_file = "services/orders/data/destinations.json"

    def need(file: str, country: str, what: str, spans: list[Span], start: date) -> None:
        for gap in gaps(spans, start):
            report.problems.append(Problem(file, country, f"no {what} {_gap_text(gap)}"))

    for country, rows in sorted(by_country.items()):
        dated = [r for r in rows if r.valid_from is not None]
        if not dated:
            continue
        start = min(r.valid_from for r in dated if r.valid_from is not None)
        need(dest_file, country, "destination row", _spans(rows), start)
        need(
            "services/orders/data/import_taxes.json",
            country,
            "import-tax row",
            _spans(r for r in taxes if r.data.get("country") == country),
            start,
        )
        need(
            "marketplace/compliance/data/market_rules.json",
            country,
            "market rules",
            _spans(r for r in markets if country in _market_countries(r)) if markets else [],
            start,
        )
        for service in services:
            need(
                "services/orders/data/insurance.json",
                country,
                f"{service} insurance row",
                _spans(r for r in insurance if r.data.get("service") == service),
                start,
            )
        need("services/orders/data/shipping.json", country, "origin handling row", _spans(handling), start)
        # Shipping and duty depend on the destination row's zone and customs territory, which may change.
        for dest in dated:
            span = dest.in_force_span()
            assert span is not None
            lo = max(span[0], start)
            zone, territory = dest.data.get("zone"), dest.data.get("territory")
            for service in services:
                for leg, leg_name in (("mainCarriage", "main carriage"), ("delivery", "delivery")):
                    spans = _spans(
                        r
                        for r in shipping
                        if r.key[0] == leg and r.data.get("service") == service and r.data.get("zone") == zone
                    )
                    for gap in _within(gaps(spans, lo), span[1]):
                        report.problems.append(
                            Problem(
                                "services/orders/data/shipping.json",
                                country,
                                f"no {service} {leg_name} rate to zone {zone} {_gap_text(gap)}",
                            )
                        )
            for category, hs in hs_codes:
                spans = _spans(
                    r
                    for r in duties
                    if r.data.get("territory") == territory
                    and r.data.get("measure") == "MFN"
                    and r.data.get("origin") in ("CN", "*")
                    and hs.startswith(str(r.data.get("hsPrefix")))
                )
                for gap in _within(gaps(spans, lo), span[1]):
                    report.problems.append(
                        Problem(
                            "services/orders/data/duty_rates.json",
                            country,
                            f"no {territory} MFN duty row for {category} (HS {hs}) {_gap_text(gap)}",
                        )
                    )

    quotable = set(by_country)
    for market in markets:
        for country in _market_countries(market):
            if country not in quotable:
                report.problems.append(
                    Problem(
                        market.file,
                        market.label,
                        f"market rules for {country}, which destinations.json does not quote: a country is "
                        "quotable if and only if it has market rules",
                    )
                )


def references(tables: dict[str, list[Row]], report: Report) -> None:
    """Categories and schemes that market rules and schemes name exist (a dead name gates nothing)."""
    categories = {str(r.data.get("code")) for r in tables.get("services/catalog/data/categories.json", [])}
    schemes = {str(r.data.get("code")) for r in tables.get("marketplace/compliance/data/schemes.json", [])}
    if not categories or not schemes:
        return
    for row in tables.get("marketplace/compliance/data/market_rules.json", []):
        named = row.data.get("categories")
        for category, needs in named.items() if isinstance(named, dict) else []:
            if category not in categories:
                report.problems.append(
                    Problem(row.file, row.label, f"category {category!r} is not in the catalog (categories.json)")
                )
            for scheme in _category_schemes(needs):
                if scheme not in schemes:
                    report.problems.append(Problem(row.file, row.label, f"scheme {scheme!r} is not in schemes.json"))
        levels = row.data.get("supplier_level")
        for scheme in levels if isinstance(levels, list) else []:
            if scheme not in schemes:
                report.problems.append(Problem(row.file, row.label, f"scheme {scheme!r} is not in schemes.json"))
    for row in tables.get("marketplace/compliance/data/schemes.json", []):
        covers = row.data.get("covers")
        for category in covers if isinstance(covers, list) else []:
            if category not in categories:
                report.problems.append(
                    Problem(row.file, row.label, f"covers {category!r}, which is not in the catalog (categories.json)")
                )


def _category_schemes(needs: Any) -> list[str]:
    """The schemes a market's category names: dated rows ({"schemes": [...], "validFrom": ...}),
    or plain scheme codes."""
    rows = needs if isinstance(needs, list) else []
    named: list[str] = []
    for row in rows:
        named += [str(s) for s in row.get("schemes", [])] if isinstance(row, dict) else [str(row)]
    return named


def _within(spans: Sequence[Span], end: date) -> list[Span]:
    """The parts of `spans` up to `end`."""
    return [(lo, min(hi, end)) for lo, hi in spans if lo <= end]


def _categories_hs(rows: list[Row], report: Report) -> None:
    for row in rows:
        hs = row.data.get("hs_code")
        if not isinstance(hs, str) or not hs.isdigit() or len(hs) not in (6, 8, 10):
            report.problems.append(Problem(row.file, row.label, f"hs_code {hs!r} is not 6, 8 or 10 digits"))


# --- the whole check ----------------------------------------------------------------------------


def unregistered(root: Path, checks: Sequence[FileCheck]) -> list[FileCheck]:
    """A generic check for every JSON file in the data folders that no check names."""
    known = {c.path for c in checks} | NOT_RULES
    out = []
    for folder in DATA_DIRS:
        for path in sorted((root / folder).glob("*.json")):
            rel = f"{folder}/{path.name}"
            if rel in known:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                data = None
            lists = (
                tuple(k for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v))
                if isinstance(data, dict)
                else ()
            )
            out.append(FileCheck(rel, lists=lists or ("rows",), dated=False))
    return out


def check(root: Path = ROOT, checks: Sequence[FileCheck] | None = None) -> Report:
    """Every problem in the rule data under `root` (a repository checkout or a copy of it)."""
    checks = list(FILE_CHECKS if checks is None else checks)
    checks += unregistered(root, checks)
    report = Report()
    tables: dict[str, list[Row]] = {}
    for file_check in checks:
        rows = read_rows(root, file_check, report)
        tables[file_check.path] = rows
        overlaps(rows, report)
    _categories_hs(tables.get("services/catalog/data/categories.json", []), report)
    coverage(tables, report)
    references(tables, report)
    report.problems = sorted(set(report.problems), key=lambda p: (p.file, p.row, p.what))
    return report
