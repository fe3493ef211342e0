"""FX: ECB and JSON import, cross rates through CNY, margin, staleness, half-even rounding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.common.money import Money
from services.orders.quotes.fx import (
    RatesFormatError,
    RatesStale,
    UnsupportedCurrency,
    apply_margin,
    convert,
    convert_at,
    format_rate,
    parse_ecb_xml,
    parse_json_rates,
    parse_rates,
    to_json_rates,
    with_pegged,
)

ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time="2026-11-25">
      <Cube currency="USD" rate="1.17"/>
      <Cube currency="JPY" rate="156.0"/>
      <Cube currency="GBP" rate="0.858"/>
      <Cube currency="CHF" rate="0.9300"/>
      <Cube currency="CNY" rate="7.8"/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""

DAY = timedelta(hours=24)
# 2026-11-25 16:00 in Frankfurt (CET, UTC+1) is 15:00 UTC.
PUBLISHED = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


def test_ecb_rates_are_crossed_through_the_eur_cny_entry() -> None:
    table = parse_ecb_xml(ECB_XML)
    # AED, SAR and QAR are not the ECB's: derived from its USD rate (their dollar pegs).
    assert table.currencies == ["AED", "CHF", "CNY", "EUR", "GBP", "JPY", "QAR", "SAR", "USD"]
    assert table.rate("USD").per_cny == Decimal("0.15")  # 1.17 / 7.8
    assert table.rate("JPY").per_cny == Decimal("20")  # 156 / 7.8
    assert table.rate("GBP").per_cny == Decimal("0.11")  # 0.858 / 7.8
    # Non-terminating quotients keep 12 significant digits, half-even.
    assert table.rate("CHF").per_cny == Decimal("0.119230769231")  # 0.93 / 7.8 = 0.1192307692307...
    assert table.rate("EUR").per_cny == Decimal("0.128205128205")  # 1 / 7.8
    assert table.rate("CNY").per_cny == Decimal(1)
    usd = table.rate("USD")
    assert usd.as_of == PUBLISHED
    assert "ECB" in usd.source


def test_ecb_summer_publication_time_is_14_utc() -> None:
    table = parse_ecb_xml(ECB_XML.replace(b"2026-11-25", b"2026-06-30"))
    assert table.rate("USD").as_of == datetime(2026, 6, 30, 14, 0, tzinfo=UTC)


def test_ecb_history_file_takes_the_newest_day() -> None:
    older = b'<Cube time="2026-11-24"><Cube currency="USD" rate="1.56"/><Cube currency="CNY" rate="7.8"/></Cube>'
    doc = ECB_XML.replace(b"<Cube>\n    <Cube time", b"<Cube>\n" + older + b"<Cube time")
    assert parse_ecb_xml(doc).rate("USD").per_cny == Decimal("0.15")


def test_ecb_without_cny_cannot_be_crossed() -> None:
    with pytest.raises(RatesFormatError, match="CNY"):
        parse_ecb_xml(ECB_XML.replace(b'<Cube currency="CNY" rate="7.8"/>', b""))
    with pytest.raises(RatesFormatError):
        parse_ecb_xml(b"<html>not rates</html>")


def test_json_format_with_per_rate_source_and_time() -> None:
    table = parse_json_rates(
        """{"source": "manual desk", "asOf": "2026-11-26T08:00:00Z",
            "rates": {"EUR": "0.125", "KWD": {"rate": "0.045", "asOf": "2026-11-26T09:30:00+02:00",
                                              "source": "Central Bank of Kuwait"}}}"""
    )
    assert table.rate("EUR").per_cny == Decimal("0.125")
    assert table.rate("EUR").source == "manual desk"
    kwd = table.rate("KWD")
    assert kwd.source == "Central Bank of Kuwait"
    assert kwd.as_of == datetime(2026, 11, 26, 7, 30, tzinfo=UTC)


def test_json_with_another_base_is_crossed_like_the_ecb_file() -> None:
    table = parse_json_rates('{"base": "EUR", "asOf": "2026-11-26T08:00:00Z", "rates": {"CNY": 8, "USD": 1.2}}')
    assert table.rate("USD").per_cny == Decimal("0.15")
    assert table.rate("EUR").per_cny == Decimal("0.125")


@pytest.mark.parametrize(
    "doc",
    [
        '{"rates": {"EUR": "0.125"}}',  # no timestamp anywhere
        '{"asOf": "2026-11-26T08:00:00", "rates": {"EUR": "0.125"}}',  # naive timestamp
        '{"asOf": "2026-11-26T08:00:00Z", "rates": {"EUR": "-1"}}',
        '{"asOf": "2026-11-26T08:00:00Z", "rates": {"EUX": "0.1"}}',
        '{"asOf": "2026-11-26T08:00:00Z", "base": "EUR", "rates": {"USD": "1.2"}}',
        '{"asOf": "2026-11-26T08:00:00Z", "rates": {"CNY": "2"}}',
        "[1, 2]",
        "{",
    ],
)
def test_json_format_errors(doc: str) -> None:
    with pytest.raises(RatesFormatError):
        parse_json_rates(doc)


def _json_table(rates: dict[str, str], as_of: str = "2026-11-26T08:00:00Z") -> str:
    body = ", ".join(f'"{code}": "{rate}"' for code, rate in rates.items())
    return f'{{"asOf": "{as_of}", "rates": {{{body}}}}}'


NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("currency", "rate", "fen", "expected"),
    [
        # JPY, 0 digits: 1 CNY * 20.5 = 20.5 -> 20 (tie to even); 3 CNY -> 61.5 -> 62.
        ("JPY", "20.5", 100, 20),
        ("JPY", "20.5", 300, 62),
        ("JPY", "20.5", 110, 23),  # 22.55 -> 23
        # EUR, 2 digits: 4 fen * 0.125 = 0.005 EUR -> 0.00; 12 fen -> 0.015 -> 0.02; 20 fen -> 0.025 -> 0.02.
        ("EUR", "0.125", 4, 0),
        ("EUR", "0.125", 12, 2),
        ("EUR", "0.125", 20, 2),
        ("EUR", "0.125", 123_457, 15432),  # 154.32125 -> 154.32
        # USD, 2 digits: 0.15 * 0.03 CNY = 0.0045 -> 0.00; 0.15 * 0.05 = 0.0075 -> 0.01.
        ("USD", "0.15", 3, 0),
        ("USD", "0.15", 5, 1),
        # GBP, 2 digits: 0.11 * 0.45 CNY = 0.0495 -> 0.05.
        ("GBP", "0.11", 45, 5),
        # KWD, 3 digits: 0.1 CNY * 0.045 = 0.0045 KWD -> 0.004; 0.3 CNY -> 0.0135 -> 0.014.
        ("KWD", "0.045", 10, 4),
        ("KWD", "0.045", 30, 14),
        ("KWD", "0.045", 1_234_567, 555_555),  # 12345.67 * 0.045 = 555.55515 -> 555.555 KWD
    ],
)
def test_half_even_rounding_per_minor_unit(currency: str, rate: str, fen: int, expected: int) -> None:
    table = parse_json_rates(_json_table({currency: rate}))
    money = convert(cny(fen), currency, table, now=NOW, max_age=DAY)
    assert money.currency == currency
    assert money == Money(expected, currency)


def test_kwd_keeps_three_digits_and_jpy_none() -> None:
    table = parse_json_rates(_json_table({"KWD": "0.0431", "JPY": "21.37"}))
    assert convert(cny(1_000_000), "KWD", table, now=NOW, max_age=DAY) == Money(431_000, "KWD")  # 431.000
    assert convert(cny(1_000_001), "KWD", table, now=NOW, max_age=DAY) == Money(431_000, "KWD")  # 431.0004
    assert convert(cny(1_000_001), "JPY", table, now=NOW, max_age=DAY) == Money(213_700, "JPY")  # 213700.21
    assert convert(cny(0), "JPY", table, now=NOW, max_age=DAY) == Money(0, "JPY")


def test_margin_is_in_the_platforms_favour() -> None:
    table = parse_ecb_xml(ECB_XML)
    assert apply_margin(Decimal("0.15"), 100) == Decimal("0.1515")
    at_mid = convert(cny(100_000), "USD", table, now=PUBLISHED, max_age=DAY)
    with_margin = convert(cny(100_000), "USD", table, now=PUBLISHED, max_age=DAY, margin_bps=100)
    assert at_mid == Money(15_000, "USD")  # 1000 CNY -> 150.00 USD
    assert with_margin == Money(15_150, "USD")  # the buyer pays 151.50 USD
    assert format_rate(table.locked_rate("USD", now=PUBLISHED, max_age=DAY, margin_bps=100)) == "0.1515"
    assert format_rate(table.locked_rate("JPY", now=PUBLISHED, max_age=DAY, margin_bps=0)) == "20"
    with pytest.raises(ValueError):
        apply_margin(Decimal("0.15"), -1)


def test_cny_to_cny_is_identity() -> None:
    table = parse_ecb_xml(ECB_XML)
    assert convert(cny(12_345), "cny", table, now=PUBLISHED, max_age=DAY, margin_bps=250) == cny(12_345)


def test_stale_rates_are_refused() -> None:
    table = parse_ecb_xml(ECB_XML)
    assert convert(cny(100), "USD", table, now=PUBLISHED + DAY, max_age=DAY) == Money(15, "USD")
    with pytest.raises(RatesStale) as caught:
        convert(cny(100), "USD", table, now=PUBLISHED + DAY + timedelta(seconds=1), max_age=DAY)
    assert caught.value.status == 503
    assert caught.value.code == "FX_RATES_STALE"
    assert caught.value.extra["currency"] == "USD"


def test_unknown_or_unsupported_currency_names_the_field() -> None:
    table = parse_ecb_xml(ECB_XML)
    with pytest.raises(UnsupportedCurrency) as not_iso:
        convert(cny(100), "XYZ", table, now=PUBLISHED, max_age=DAY)
    assert not_iso.value.field == "currency"
    assert not_iso.value.status == 422
    with pytest.raises(UnsupportedCurrency) as no_rate:
        convert(cny(100), "KWD", table, now=PUBLISHED, max_age=DAY, field="quote.currency")
    assert no_rate.value.field == "quote.currency"
    assert "KWD" in no_rate.value.detail
    with pytest.raises(UnsupportedCurrency):
        table.rate(None)  # type: ignore[arg-type]


def test_only_cny_amounts_are_converted() -> None:
    with pytest.raises(ValueError):
        convert_at(Money(100, "EUR"), Decimal("1"), "USD")


def test_a_table_round_trips_through_json_and_either_format_is_recognised() -> None:
    table = parse_ecb_xml(ECB_XML)
    again = parse_json_rates(to_json_rates(table))
    assert again == table
    assert parse_rates(ECB_XML) == table
    assert parse_rates("  " + to_json_rates(table)) == table


def test_aed_and_sar_are_derived_from_the_usd_rate_by_their_pegs_with_a_source_that_says_so() -> None:
    table = parse_ecb_xml(ECB_XML)  # USD 0.15 per CNY
    aed, sar, usd = table.rate("AED"), table.rate("SAR"), table.rate("USD")
    assert aed.per_cny == Decimal("0.550875")  # 0.15 * 3.6725
    assert sar.per_cny == Decimal("0.5625")  # 0.15 * 3.75
    assert aed.as_of == sar.as_of == usd.as_of == PUBLISHED
    assert aed.source.startswith("AED pegged at 3.6725 per USD (Central Bank of the UAE); USD from ECB")
    assert sar.source.startswith("SAR pegged at 3.75 per USD (Saudi Central Bank)")
    assert table.rate("QAR").per_cny == Decimal("0.546")  # 0.15 * 3.64
    assert table.rate("QAR").source.startswith("QAR pegged at 3.64 per USD (Qatar Central Bank)")
    # AED 100 is about CNY 181.53: 100 / 0.550875 = 181.5294..., and back to AED 100.00 at mid.
    assert convert(cny(18_153), "AED", table, now=PUBLISHED, max_age=DAY) == Money(10_000, "AED")
    # The bundled snapshot's flag carries over to the derived rates.
    assert with_pegged(table.as_offline_fallback()).rate("AED").offline_fallback


def test_a_rate_imported_for_a_pegged_currency_is_kept_and_without_usd_none_is_derived() -> None:
    given = parse_json_rates(
        '{"asOf": "2026-11-25T08:00:00Z", "source": "bank", "rates": {"USD": "0.14", "AED": "0.52"}}'
    )
    assert given.rate("AED").per_cny == Decimal("0.52") and given.rate("AED").source == "bank"
    assert given.rate("SAR").per_cny == Decimal("0.525")  # 0.14 * 3.75: still derived
    no_usd = parse_json_rates('{"asOf": "2026-11-25T08:00:00Z", "rates": {"EUR": "0.12"}}')
    assert no_usd.currencies == ["CNY", "EUR"]
    with pytest.raises(UnsupportedCurrency, match="AED is not a currency we quote in"):
        no_usd.rate("AED")
    # Kept through the JSON snapshot a quote stores, unchanged.
    assert parse_json_rates(to_json_rates(given)).rates == given.rates


@pytest.mark.parametrize(
    ("currency", "rate", "fen", "expected"),
    [
        ("JPY", "20.5", 100_000, 20_500),  # CNY 1,000.00 -> JPY 20,500 (no minor unit)
        ("JPY", "20.5", 1_001, 205),  # CNY 10.01 -> 205.205 -> JPY 205
        ("KRW", "193.9", 100_000, 193_900),  # CNY 1,000.00 -> KRW 193,900
        ("KRW", "193.9", 25, 48),  # CNY 0.25 -> 48.475 -> KRW 48
        ("AED", "0.550875", 100_000, 55_088),  # CNY 1,000.00 -> AED 550.875 -> 550.88 (half-even)
    ],
)
def test_zero_decimal_currencies_count_whole_units_as_stripe_takes_them(
    currency: str, rate: str, fen: int, expected: int
) -> None:
    assert convert_at(cny(fen), Decimal(rate), currency) == Money(expected, currency)
