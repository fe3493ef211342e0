# ruff: noqa: E501  (one source per line, so a case reads as one row)
"""Cases whose answer depends on the quote's date: the same cart, priced by the rules of two days.

Each pair sits either side of a dated row's first day (services/orders/data/*.json), and
checks that the quote lists that row (table, what it says, its validity) and the figures
it gives. Amounts are in minor units of the quote's currency, worked out by hand from the
fixed rates of tests/orders/trade_rules/cases.py (EUR 0.121, USD 0.14, THB 4.6 per CNY; VND
3,500 per CNY for Viet Nam's threshold), margin 0, each component rounded half-even once.

Shared figures (express, 1 kg, no core deposit), from shipping.json and insurance.json:
  zone Z1 (TH, VN): freight CNY 120, zone Z3 (DE, FR, RU, KZ): CNY 230, zone Z4 (US, MX): CNY 240;
  origin handling CNY 80 per consignment; insurance 0.30 % of the goods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.orders.landed_cost import QuoteLineInput
from tests.orders.trade_rules.cases import TradeCase, line


@dataclass(frozen=True, kw_only=True)
class DatedCase(TradeCase):
    lines: tuple[QuoteLineInput, ...]
    currency: str
    incoterm: str = "DDP"
    service: str | None = None
    extra_rates: dict[str, str] = field(default_factory=dict)
    # The dated row the quote must list: (table, what it says, validFrom, validTo).
    rule: tuple[str, str, str, str | None]
    duty_treatment: str = "ad_valorem"
    vat_low_value_exempt: bool = False
    duty: int | None = None  # the quote's duty, minor units (None: not checked)
    vat: int | None = None


TOPIC = "dated rules"

ALTERNATOR_3000 = line(price_fen=300_000, weight_grams=1_000)  # CNY 3,000, HS 851150
ALTERNATOR_1000 = line(price_fen=100_000, weight_grams=1_000)  # CNY 1,000
ALTERNATOR_200 = line(price_fen=20_000, weight_grams=1_000)  # CNY 200
CALIPER_1000 = line("brake_caliper", "870830", price_fen=100_000, weight_grams=1_000)
BATTERY = line("nev_battery_module", "850760", price_fen=1_000_000, weight_grams=20_000)  # CNY 10,000, 20 kg
FR_TWO_LINES = (
    line(price_fen=50_000, weight_grams=500, part_id="alt"),  # HS 851150
    line("starter", "851140", price_fen=50_000, weight_grams=500, part_id="st"),
)

# EAEU (RU, KZ), CNY 3,000 to zone Z3 in EUR: goods 363.00; insurance CNY 9 = 1.089 -> 1.09;
# freight CNY 230 = 27.83; handling CNY 80 = 9.68. CIF 401.60 (above the EUR 200 relief).
# Duty 5 % (EAEU MFN 85) = 20.08. VAT base CIF + duty = 421.68.
EAEU = "EAEU Common Customs Tariff (EEC Council Decision No. 54 of 2012-07-16), chapter 85"

TH_RELIEF = "duty exempt, up to 1500 THB, import tax relief up to 1500 THB"
VN_RELIEF = "duty exempt, up to 1000000 VND, import tax relief up to 1000000 VND"

CASES: list[DatedCase] = [
    DatedCase(
        id="RU-VAT-20-on-2025-12-31",
        country="RU",
        on=date(2025, 12, 31),
        source="import_taxes.json RU: Tax Code of the Russian Federation art. 164, 20 % (to 2025-12-31); " + EAEU,
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "НДС (VAT) 0.2", "2020-01-01", "2025-12-31"),
        duty=2_008,
        vat=8_434,  # 421.68 x 0.20 = 84.336 -> 84.34
    ),
    DatedCase(
        id="RU-VAT-22-from-2026-01-01",
        country="RU",
        on=date(2026, 1, 1),
        source="import_taxes.json RU: Federal Law of 2025 amending Tax Code art. 164, VAT 22 % from 2026-01-01; "
        + EAEU,
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "НДС (VAT) 0.22", "2026-01-01", None),
        duty=2_008,
        vat=9_277,  # 421.68 x 0.22 = 92.7696 -> 92.77
    ),
    DatedCase(
        id="KZ-VAT-12-on-2025-12-31",
        country="KZ",
        on=date(2025, 12, 31),
        source="import_taxes.json KZ: Tax Code of Kazakhstan (2017) art. 422, 12 % (to 2025-12-31); " + EAEU,
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "VAT 0.12", "2020-01-01", "2025-12-31"),
        duty=2_008,
        vat=5_060,  # 421.68 x 0.12 = 50.6016 -> 50.60
    ),
    DatedCase(
        id="KZ-VAT-16-from-2026-01-01",
        country="KZ",
        on=date(2026, 1, 1),
        source="import_taxes.json KZ: Tax Code of Kazakhstan (2025), VAT 16 % from 2026-01-01; " + EAEU,
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "VAT 0.16", "2026-01-01", None),
        duty=2_008,
        vat=6_747,  # 421.68 x 0.16 = 67.4688 -> 67.47
    ),
    # DE, CNY 1,000 in EUR: goods 121.00 (<= EUR 150); insurance CNY 3 = 0.363 -> 0.36; freight 27.83;
    # handling 9.68. CIF 158.87.
    DatedCase(
        id="DE-EUR-150-duty-relief-on-2026-06-30",
        country="DE",
        on=date(2026, 6, 30),
        source="de_minimis.json EU: Council Reg. (EC) 1186/2009 art. 23, duty relief <= EUR 150 (2021-07-01 to 2026-06-30)",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="EUR",
        rule=("de_minimis", "duty exempt, up to 150 EUR", "2021-07-01", "2026-06-30"),
        duty_treatment="de_minimis_exempt",
        duty=0,
        vat=3_019,  # 158.87 x 0.19 = 30.1853 -> 30.19
    ),
    DatedCase(
        id="DE-EUR-3-flat-duty-from-2026-07-01",
        country="DE",
        on=date(2026, 7, 1),
        source="de_minimis.json EU: Council agreement of 2025-12-12, EUR 3 per distinct tariff subheading in consignments <= EUR 150 from 2026-07-01",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="EUR",
        rule=("de_minimis", "duty flat_per_tariff_line, up to 150 EUR", "2026-07-01", None),
        duty_treatment="flat_per_tariff_line",
        duty=300,  # EUR 3 x one subheading (851150)
        vat=3_076,  # (158.87 + 3.00) x 0.19 = 30.7553 -> 30.76
    ),
    # FR, two lines of CNY 500 each (EUR 60.50 + 60.50 = 121.00 <= 150), subheadings 851150 and 851140.
    DatedCase(
        id="FR-EUR-150-duty-relief-on-2026-06-30",
        country="FR",
        on=date(2026, 6, 30),
        source="de_minimis.json EU: Council Reg. (EC) 1186/2009 art. 23, duty relief <= EUR 150 (2021-07-01 to 2026-06-30)",
        topic=TOPIC,
        lines=FR_TWO_LINES,
        currency="EUR",
        rule=("de_minimis", "duty exempt, up to 150 EUR", "2021-07-01", "2026-06-30"),
        duty_treatment="de_minimis_exempt",
        duty=0,
    ),
    DatedCase(
        id="FR-EUR-3-per-tariff-line-from-2026-07-01",
        country="FR",
        on=date(2026, 7, 1),
        source="de_minimis.json EU: Council agreement of 2025-12-12, EUR 3 per distinct tariff subheading from 2026-07-01",
        topic=TOPIC,
        lines=FR_TWO_LINES,
        currency="EUR",
        rule=("de_minimis", "duty flat_per_tariff_line, up to 150 EUR", "2026-07-01", None),
        duty_treatment="flat_per_tariff_line",
        duty=600,  # EUR 3 x two subheadings (851150, 851140)
    ),
    # US, CNY 1,000 in USD: goods 140.00; handling CNY 80 = 11.20. FOB value 151.20 (US basis).
    DatedCase(
        id="US-CN-de-minimis-on-2025-05-01",
        country="US",
        on=date(2025, 5, 1),
        source="de_minimis.json US CN: 19 U.S.C. 1321(a)(2)(C), USD 800, until Executive Order 14256 (2025-04-02) ended it for the PRC from 2025-05-02",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="USD",
        rule=("de_minimis", "duty exempt, up to 800 USD", "2016-03-10", "2025-05-01"),
        duty_treatment="de_minimis_exempt",
        duty=0,
    ),
    DatedCase(
        id="US-CN-no-de-minimis-from-2025-05-02",
        country="US",
        on=date(2025, 5, 2),
        source="de_minimis.json US CN: Executive Order 14256 (2025-04-02), from 2025-05-02; duty_rates.json: HTSUS 2026 8511.50 2.5 %, USTR Section 301 lists 1-3 25 % (2019-05-10)",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="USD",
        rule=("de_minimis", "duty none", "2025-05-02", None),
        duty=4_158,  # 151.20 x (0.025 + 0.25) = 41.58
    ),
    DatedCase(
        id="US-Section-232-auto-parts-from-2025-05-03",
        country="US",
        on=date(2025, 5, 3),
        source="duty_rates.json US: Proclamation 10908 (2025-03-26), Annex I, starters and alternators, 25 % from 2025-05-03",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="USD",
        rule=("duty_rates", "0.25", "2025-05-03", None),
        duty=7_938,  # 151.20 x (0.025 + 0.25 + 0.25) = 79.38
    ),
    # US, a battery module CNY 10,000 by economy (dangerous goods): goods 1,400.00 (> USD 800);
    # handling 11.20; FOB 1,411.20. MFN 8507 3.4 %.
    DatedCase(
        id="US-301-batteries-7.5-on-2024-09-26",
        country="US",
        on=date(2024, 9, 26),
        source="duty_rates.json US CN: USTR Section 301 list 4A, 7.5 % on lithium-ion batteries (2020-02-14 to 2024-09-26); HTSUS 8507.60 3.4 %",
        topic=TOPIC,
        lines=(BATTERY,),
        currency="USD",
        service="economy",
        rule=("duty_rates", "0.075", "2020-02-14", "2024-09-26"),
        duty=15_382,  # 1,411.20 x (0.034 + 0.075) = 153.8208 -> 153.82
    ),
    DatedCase(
        id="US-301-batteries-25-from-2024-09-27",
        country="US",
        on=date(2024, 9, 27),
        source="duty_rates.json US CN: USTR Section 301 four-year review (89 FR 76581, 2024-09-18), EV lithium-ion batteries 25 % from 2024-09-27",
        topic=TOPIC,
        lines=(BATTERY,),
        currency="USD",
        service="economy",
        rule=("duty_rates", "0.25", "2024-09-27", None),
        duty=40_078,  # 1,411.20 x (0.034 + 0.25) = 400.7808 -> 400.78
    ),
    # TH, CNY 200 in THB: goods 920.00 (<= THB 1,500); handling 368.00; freight CNY 120 = 552.00;
    # insurance CNY 0.60 = 2.76. CIF 1,842.76.
    DatedCase(
        id="TH-VAT-relief-on-2024-06-30",
        country="TH",
        on=date(2024, 6, 30),
        source="de_minimis.json TH: Customs Department Notification 2018, duty and VAT exempt <= THB 1,500 (to 2024-06-30)",
        topic=TOPIC,
        lines=(ALTERNATOR_200,),
        currency="THB",
        rule=(
            "de_minimis",
            "duty exempt, up to 1500 THB, import tax relief up to 1500 THB",
            "2020-01-01",
            "2024-06-30",
        ),
        duty_treatment="de_minimis_exempt",
        vat_low_value_exempt=True,
        duty=0,
        vat=0,
    ),
    DatedCase(
        id="TH-VAT-on-low-value-from-2024-07-01",
        country="TH",
        on=date(2024, 7, 1),
        source="de_minimis.json TH: Ministry of Finance notification (2024), VAT on all imported goods from 2024-07-01, duty exemption <= THB 1,500 kept",
        topic=TOPIC,
        lines=(ALTERNATOR_200,),
        currency="THB",
        rule=("de_minimis", "duty exempt, up to 1500 THB", "2024-07-01", None),
        duty_treatment="de_minimis_exempt",
        duty=0,
        vat=12_899,  # 1,842.76 x 0.07 = 128.9932 -> 128.99
    ),
    # VN, CNY 200 in USD (VND 700,000 <= VND 1,000,000 at 3,500 per CNY): goods 28.00; handling 11.20;
    # freight CNY 120 = 16.80; insurance CNY 0.60 = 0.084 -> 0.08. CIF 56.08.
    DatedCase(
        id="VN-low-value-relief-on-2025-02-17",
        country="VN",
        on=date(2025, 2, 17),
        source="de_minimis.json VN: Decision 78/2010/QD-TTg, consignments <= VND 1,000,000 exempt (to 2025-02-17)",
        topic=TOPIC,
        lines=(ALTERNATOR_200,),
        currency="USD",
        extra_rates={"VND": "3500"},
        rule=("de_minimis", VN_RELIEF, "2020-01-01", "2025-02-17"),
        duty_treatment="de_minimis_exempt",
        vat_low_value_exempt=True,
        duty=0,
        vat=0,
    ),
    DatedCase(
        id="VN-no-low-value-relief-from-2025-02-18",
        country="VN",
        on=date(2025, 2, 18),
        source="de_minimis.json VN: Decision 01/2025/QD-TTg repealed the exemption from 2025-02-18; duty_rates.json: Decree 26/2023/ND-CP, simplified to 10 %",
        topic=TOPIC,
        lines=(ALTERNATOR_200,),
        currency="USD",
        extra_rates={"VND": "3500"},
        rule=("de_minimis", "duty none", "2025-02-18", None),
        duty=561,  # 56.08 x 0.10 = 5.608 -> 5.61
        vat=617,  # (56.08 + 5.61) x 0.10 = 6.169 -> 6.17
    ),
    # MX, a brake caliper CNY 1,000 in USD: goods 140.00; handling 11.20; freight CNY 240 = 33.60;
    # insurance CNY 3 = 0.42. CIF 185.22 (MX basis). MFN 87 15 %.
    DatedCase(
        id="MX-caliper-MFN-only-on-2025-12-31",
        country="MX",
        on=date(2025, 12, 31),
        source="duty_rates.json MX: LIGIE 2022, 8708 parts simplified to 15 % (the 2026 increase not yet in force)",
        topic=TOPIC,
        lines=(CALIPER_1000,),
        currency="USD",
        rule=("duty_rates", "0.15", "2020-01-01", None),
        duty=2_778,  # 185.22 x 0.15 = 27.783 -> 27.78
        vat=3_408,  # (185.22 + 27.78) x 0.16 = 34.08
    ),
    DatedCase(
        id="MX-caliper-2026-increase-from-2026-01-01",
        country="MX",
        on=date(2026, 1, 1),
        source="duty_rates.json MX CN: LIGIE amendment (DOF, December 2025), in force 2026-01-01, approximated as +20 points",
        topic=TOPIC,
        lines=(CALIPER_1000,),
        currency="USD",
        rule=("duty_rates", "0.2", "2026-01-01", None),
        duty=6_483,  # 185.22 x (0.15 + 0.20) = 64.827 -> 64.83
        vat=4_001,  # (185.22 + 64.83) x 0.16 = 40.008 -> 40.01
    ),
]
