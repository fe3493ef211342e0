"""Foreign-exchange rates against CNY, and the one conversion every price goes through.

A rate is *units of the foreign currency per 1 CNY* ("CNY -> currency", as the
`Quote.fxRate` field of the public contract states it), kept as a Decimal with the
source it came from and the moment it was valid (`as_of`, aware UTC).

Two import formats:

* The ECB's euro foreign exchange reference rates, `eurofxref-daily.xml` (or the
  90-day / historical files of the same shape: the newest `<Cube time=...>` day is
  taken). The ECB quotes units of each currency per 1 EUR; rates against CNY are
  cross rates through the EUR/CNY entry: ``X per CNY = (X per EUR) / (CNY per EUR)``,
  and ``EUR per CNY = 1 / (CNY per EUR)``. The division is done in Decimal with 28
  significant digits and the cross rate is then rounded half-even to
  ``CROSS_RATE_DIGITS`` (12) significant digits, so the same file always gives the
  same rates. The ECB publishes around 16:00 CET; `as_of` is the file's date at
  16:00 Europe/Berlin.

* A simple JSON document (for a bank's or a provider's feed, or manual rates)::

      {
        "base": "CNY",                        # optional, default "CNY"
        "source": "Bank of China buying rate", # default source of every rate
        "asOf": "2026-11-25T08:00:00Z",        # default timestamp (ISO 8601 with zone)
        "rates": {
          "EUR": "0.1215",                     # units of EUR per 1 base unit
          "KWD": {"rate": "0.04315", "asOf": "2026-11-25T09:00:00Z", "source": "CBK"}
        }
      }

  Rates are decimal strings (JSON numbers are read as Decimal too, never as float).
  When `base` is not CNY the document must contain a CNY rate and every rate is
  crossed through it exactly as for the ECB file.

The platform's margin is given in basis points and is applied in the platform's
favour: the buyer pays in foreign currency for prices set in CNY, so the rate used is
``mid * (1 + bps / 10000)`` (more foreign currency per CNY). The margin-adjusted rate
is exact (no rounding) and is the rate a quote locks.

Pegged currencies: the ECB publishes no AED, SAR or QAR rate. All three are pegged to the US
dollar by their central banks (the Central Bank of the UAE holds AED 3.6725 per USD since 1997,
the Saudi Central Bank SAR 3.75 per USD since 1986, the Qatar Central Bank QAR 3.64 per USD since
2001), so a table that holds USD but not them gets them as
``USD per CNY * peg`` (`with_pegged`), with the USD rate's date and a source that names the
peg. A market rate would differ from the peg by a few hundredths of a percent at most, well
inside the platform's margin; a rate imported for them (the JSON format) is kept as given.

Conversion rule: ``Money(fen, "CNY") -> Decimal(fen) / 100 * rate`` rounded half-even
to the target currency's minor unit (JPY 0 digits, EUR/USD/GBP 2, KWD 3; from CLDR
via `services.common.money`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from services.common.errors import BadInput, DomainError
from services.common.money import Money, UnknownCurrency, currency_code

BASE = "CNY"
CROSS_RATE_DIGITS = 12
ECB_SOURCE = "ECB euro foreign exchange reference rates (eurofxref-daily.xml)"
ECB_PUBLICATION_TIME = time(16, 0)
ECB_TZ = ZoneInfo("Europe/Berlin")
MAX_MARGIN_BPS = 2_000  # 20 %: anything above is a configuration mistake, not a margin

_ECB_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_DIVISION = Context(prec=28, rounding=ROUND_HALF_EVEN)
_CROSS = Context(prec=CROSS_RATE_DIGITS, rounding=ROUND_HALF_EVEN)


# Currency -> (units per 1 USD, who sets it). Only currencies with an official, long-held peg.
PEGGED_TO_USD: dict[str, tuple[Decimal, str]] = {
    "AED": (Decimal("3.6725"), "Central Bank of the UAE"),
    "SAR": (Decimal("3.75"), "Saudi Central Bank"),
    "QAR": (Decimal("3.64"), "Qatar Central Bank"),
}


class UnsupportedCurrency(BadInput):
    """The currency is not ISO 4217, or we hold no rate for it. Names the request field."""


class RatesStale(DomainError):
    """The rate needed is older than the configured maximum age; quoting is refused."""

    status, code, title = 503, "FX_RATES_STALE", "Exchange rates are out of date"


class RatesFormatError(ValueError):
    """An imported rate document cannot be read (operator error, not a buyer's)."""


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self._value += n

    @property
    def value(self) -> int:
        return self._value


# Quotes given on rates older than `fx_stale_after_hours` (the quote says so), in this process
# since it started: the number operations watches to see a rate feed that stopped.
stale_rate_quotes = _Counter()


@dataclass(frozen=True, slots=True)
class FxRate:
    currency: str
    per_cny: Decimal  # units of `currency` per 1 CNY
    source: str
    as_of: datetime  # aware, UTC
    # Loaded from the bundled snapshot because the ECB could not be reached.
    offline_fallback: bool = False

    def is_stale(self, *, now: datetime, stale_after: timedelta) -> bool:
        """Older than `stale_after`: still quoted, but the quote says so."""
        return self.currency != BASE and now - self.as_of > stale_after

    def __post_init__(self) -> None:
        if not self.per_cny.is_finite() or self.per_cny <= 0:
            raise RatesFormatError(f"{self.currency}: rate must be a positive number, got {self.per_cny}")
        if self.as_of.tzinfo is None:
            raise RatesFormatError(f"{self.currency}: as_of must be timezone-aware")


def _cny_rate(as_of: datetime, source: str) -> FxRate:
    return FxRate(BASE, Decimal(1), source, as_of)


@dataclass(frozen=True)
class FxTable:
    """Rates against CNY, keyed by ISO 4217 code. CNY itself is always present at 1."""

    rates: Mapping[str, FxRate] = field(default_factory=dict)

    @classmethod
    def of(cls, rates: Iterable[FxRate]) -> FxTable:
        by_code: dict[str, FxRate] = {}
        for rate in rates:
            by_code[currency_code(rate.currency)] = rate
        if BASE not in by_code:
            newest = max((r.as_of for r in by_code.values()), default=datetime(1970, 1, 1, tzinfo=UTC))
            by_code[BASE] = _cny_rate(newest, "identity")
        return cls(by_code)

    @property
    def currencies(self) -> list[str]:
        return sorted(self.rates)

    def rate(self, currency: str, *, field: str = "currency") -> FxRate:
        """The rate for `currency`, or UnsupportedCurrency naming `field`."""
        try:
            if not isinstance(currency, str):
                raise UnknownCurrency(f"{currency!r}")
            code = currency_code(currency)
        except UnknownCurrency:
            raise UnsupportedCurrency(f"{currency!r} is not an ISO 4217 currency code", field=field) from None
        found = self.rates.get(code)
        if found is None:
            raise UnsupportedCurrency(
                f"{code} is not a currency we quote in; supported: {', '.join(self.currencies)}", field=field
            )
        return found

    def fresh_rate(self, currency: str, *, now: datetime, max_age: timedelta, field: str = "currency") -> FxRate:
        """The rate, or RatesStale when it is older than `max_age` at `now`."""
        found = self.rate(currency, field=field)
        if found.currency != BASE and now - found.as_of > max_age:
            raise RatesStale(
                f"the {found.currency} rate from {found.as_of.isoformat()} ({found.source}) is older "
                f"than the {max_age} allowed; quotes are refused until rates are refreshed",
                field=field,
                currency=found.currency,
                asOf=found.as_of.isoformat(),
            )
        return found

    def locked_rate(
        self,
        currency: str,
        *,
        now: datetime,
        max_age: timedelta,
        margin_bps: int = 0,
        field: str = "currency",
    ) -> Decimal:
        """The rate a quote locks: fresh mid rate with the platform's margin (exact)."""
        found = self.fresh_rate(currency, now=now, max_age=max_age, field=field)
        return apply_margin(found.per_cny, margin_bps) if found.currency != BASE else Decimal(1)

    def as_offline_fallback(self) -> FxTable:
        return FxTable({code: replace(rate, offline_fallback=True) for code, rate in self.rates.items()})

    @property
    def newest_as_of(self) -> datetime | None:
        """The date of the newest foreign rate held (CNY's identity rate does not count)."""
        return max((r.as_of for r in self.rates.values() if r.currency != BASE), default=None)

    def mid_convert_decimal(self, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
        """Convert a major-unit Decimal between two currencies at mid rates, unrounded.

        Used for thresholds (de minimis) and flat charges set in a foreign currency.
        """
        src = self.rate(from_currency, field="currency").per_cny
        dst = self.rate(to_currency, field="currency").per_cny
        return _DIVISION.multiply(_DIVISION.divide(amount, src), dst)


def with_pegged(table: FxTable) -> FxTable:
    """The table with the USD-pegged currencies it lacks, derived from its USD rate (see above)."""
    usd = table.rates.get("USD")
    missing = [code for code in PEGGED_TO_USD if code not in table.rates]
    if usd is None or not missing:
        return table
    derived = {}
    for code in missing:
        peg, authority = PEGGED_TO_USD[code]
        derived[code] = FxRate(
            code,
            _CROSS.multiply(usd.per_cny, peg),
            f"{code} pegged at {format_rate(peg)} per USD ({authority}); USD from {usd.source}"[:300],
            usd.as_of,
            usd.offline_fallback,
        )
    return FxTable({**table.rates, **derived})


def apply_margin(mid: Decimal, margin_bps: int) -> Decimal:
    """mid * (1 + bps/10000), exact; in the platform's favour when charging in foreign currency."""
    if isinstance(margin_bps, bool) or not isinstance(margin_bps, int):
        raise TypeError("margin_bps must be an int")
    if not 0 <= margin_bps <= MAX_MARGIN_BPS:
        raise ValueError(f"margin_bps must be within 0..{MAX_MARGIN_BPS}, got {margin_bps}")
    return (mid * (Decimal(10_000) + margin_bps) / Decimal(10_000)).normalize(_DIVISION)


def cny_decimal(amount: Money) -> Decimal:
    if amount.currency != BASE:
        raise ValueError(f"expected a CNY amount, got {amount.currency}")
    return amount.to_decimal()


def convert_at(amount: Money, rate: Decimal, to_currency: str) -> Money:
    """CNY Money * rate, rounded half-even to `to_currency`'s minor unit."""
    return Money.from_decimal(cny_decimal(amount) * rate, currency_code(to_currency))


def convert(
    amount: Money,
    to_currency: str,
    table: FxTable,
    *,
    now: datetime,
    max_age: timedelta,
    margin_bps: int = 0,
    field: str = "currency",
) -> Money:
    """Convert a CNY amount to `to_currency` at the table's fresh rate plus margin.

    Raises UnsupportedCurrency (BadInput naming `field`) and RatesStale.
    """
    rate = table.locked_rate(to_currency, now=now, max_age=max_age, margin_bps=margin_bps, field=field)
    return convert_at(amount, rate, table.rate(to_currency, field=field).currency)


def format_rate(rate: Decimal) -> str:
    """A rate as the contract's decimal string: plain notation, no exponent, no trailing zeros."""
    text = format(rate.normalize(_DIVISION), "f")
    return text


# --- import -------------------------------------------------------------------------------


def _decimal(text: Any, what: str) -> Decimal:
    if isinstance(text, float | bool):
        raise RatesFormatError(f"{what}: rates must be decimal strings or JSON numbers read as Decimal")
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise RatesFormatError(f"{what}: {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise RatesFormatError(f"{what}: {text!r} is not a positive number")
    return value


def _code(text: str, what: str) -> str:
    try:
        return currency_code(text)
    except UnknownCurrency:
        raise RatesFormatError(f"{what}: {text!r} is not an ISO 4217 currency code") from None


def cross_rates(base: str, per_base: Mapping[str, tuple[Decimal, datetime, str]]) -> list[FxRate]:
    """Rates quoted per 1 `base` -> rates per 1 CNY, through the base's CNY entry."""
    base = _code(base, "base")
    if base == BASE:
        return [FxRate(code, rate, source, as_of) for code, (rate, as_of, source) in per_base.items()]
    if BASE not in per_base:
        raise RatesFormatError(f"rates against {base} carry no CNY rate, so no cross rate can be derived")
    cny_per_base, cny_as_of, cny_source = per_base[BASE]
    out = [
        FxRate(
            base,
            _CROSS.divide(Decimal(1), cny_per_base),
            cny_source,
            cny_as_of,
        )
    ]
    for code, (rate, as_of, source) in per_base.items():
        if code in (BASE, base):
            continue
        out.append(FxRate(code, _CROSS.plus(_DIVISION.divide(rate, cny_per_base)), source, min(as_of, cny_as_of)))
    out.append(_cny_rate(cny_as_of, cny_source))
    return out


def parse_ecb_xml(document: bytes | str, *, source: str = ECB_SOURCE) -> FxTable:
    """Parse an ECB `eurofxref` document into CNY cross rates (see the module docstring)."""
    # No entities and no network: the document comes from outside (the ECB, or an operator).
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(document.encode() if isinstance(document, str) else document, parser)
    except etree.XMLSyntaxError as exc:
        raise RatesFormatError(f"not an ECB rates document: {exc}") from None
    if root is None:
        raise RatesFormatError("not an ECB rates document: empty")
    days = [el for el in root.iter(f"{{{_ECB_NS}}}Cube") if el.get("time")]
    if not days:
        raise RatesFormatError("not an ECB rates document: no <Cube time=...> element")
    day_el = max(days, key=lambda el: el.get("time", ""))
    try:
        day = date.fromisoformat(day_el.get("time", ""))
    except ValueError:
        raise RatesFormatError(f"bad ECB date {day_el.get('time')!r}") from None
    as_of = datetime.combine(day, ECB_PUBLICATION_TIME, ECB_TZ).astimezone(UTC)
    per_eur: dict[str, tuple[Decimal, datetime, str]] = {}
    for cube in day_el:
        if not isinstance(cube.tag, str):  # a comment or processing instruction
            continue
        code, text = cube.get("currency"), cube.get("rate")
        if code is None or text is None:
            continue
        per_eur[_code(code, "currency")] = (_decimal(text, code), as_of, source)
    return with_pegged(FxTable.of(cross_rates("EUR", per_eur)))


def _timestamp(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise RatesFormatError(f"{what}: asOf must be an ISO 8601 string with a time zone")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RatesFormatError(f"{what}: {text!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise RatesFormatError(f"{what}: {text!r} has no time zone")
    return parsed.astimezone(UTC)


def parse_json_rates(document: bytes | str) -> FxTable:
    """Parse the simple JSON rate format (see the module docstring)."""
    try:
        data = json.loads(document, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise RatesFormatError(f"not a JSON rates document: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rates"), dict):
        raise RatesFormatError("a JSON rates document is an object with a 'rates' object")
    base = _code(str(data.get("base", BASE)), "base")
    default_source = str(data.get("source", "manual"))
    default_as_of = _timestamp(data["asOf"], "asOf") if "asOf" in data else None
    per_base: dict[str, tuple[Decimal, datetime, str]] = {}
    for raw_code, entry in data["rates"].items():
        code = _code(raw_code, "rates")
        if isinstance(entry, dict):
            rate = _decimal(entry.get("rate"), code)
            as_of = _timestamp(entry["asOf"], code) if "asOf" in entry else default_as_of
            src = str(entry.get("source", default_source))
        else:
            rate, as_of, src = _decimal(entry, code), default_as_of, default_source
        if as_of is None:
            raise RatesFormatError(f"{code}: no asOf for this rate and no document asOf")
        per_base[code] = (rate, as_of, src)
    if base == BASE and BASE in per_base and per_base[BASE][0] != 1:
        raise RatesFormatError("the CNY rate against base CNY must be 1")
    return with_pegged(FxTable.of(cross_rates(base, per_base)))


def to_json_rates(table: FxTable) -> str:
    """The table in the JSON format above (base CNY, each rate with its own source and asOf).

    `parse_json_rates(to_json_rates(t))` gives back `t`: use it to keep the snapshot a
    quote was priced from.
    """
    rates = {
        code: {"rate": format_rate(r.per_cny), "asOf": r.as_of.astimezone(UTC).isoformat(), "source": r.source}
        for code, r in sorted(table.rates.items())
    }
    return json.dumps({"base": BASE, "rates": rates}, ensure_ascii=False, sort_keys=True)


def parse_rates(document: bytes | str) -> FxTable:
    """Either format, told apart by its first character: '<' for the ECB XML, else JSON."""
    head = document.lstrip()[:1]
    return parse_ecb_xml(document) if head in ("<", b"<") else parse_json_rates(document)
