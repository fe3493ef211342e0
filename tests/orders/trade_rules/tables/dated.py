# ruff: noqa: E501  (one source per line, so a case reads as one row)
"""Cases whose answer depends on the quote's date: the same cart, priced by the rules of two days.

Each pair sits either side of a dated row's first day (services/orders/data/*.json), and
checks that the quote lists that row (table, what it says, its validity) and the figures
it gives. Amounts are in minor units of the quote's currency, worked out by hand from the
fixed rates of tests/orders/trade_rules/cases.py (EUR 0.121, USD 0.14, THB 4.6 per CNY; VND
3,500 per CNY for Viet Nam's threshold), margin 0, each component rounded half-even once.

Shared figures (express, 1 kg, no core deposit), from shipping.json and insurance.json:
  main carriage to the airport of destination: zone Z1 (TH, VN) CNY 96, zone Z3 (DE, FR, RU, KZ)
  CNY 184, zone Z4 (US, MX) CNY 192; delivery to the door Z1 CNY 24, Z3 CNY 46, Z4 CNY 48 (never
  in the customs value, Reg. (EU) 952/2013 art. 71(1)(e) and the like); origin handling CNY 80
  per consignment; insurance 0.30 % of the goods (ICC (A) under DDP).
Customs fees are in the duty (customs_fees.json): the US MPF (informal entry up to USD 2,500:
USD 2.53 in FY2024, 2.62 in FY2025) and, by sea, the HMF 0.125 %; Mexico's DTA 0.8 % (in MXN).
Thresholds are tested on the value their row names (de_minimis.json: TH and VN the customs value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.orders.quotes.landed_cost import QuoteLineInput
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
ALTERNATOR_100 = line(price_fen=10_000, weight_grams=1_000)  # CNY 100
CALIPER_1000 = line("brake_caliper", "870830", price_fen=100_000, weight_grams=1_000)
BATTERY = line("nev_battery_module", "850760", price_fen=1_000_000, weight_grams=20_000)  # CNY 10,000, 20 kg
FR_TWO_LINES = (
    line(price_fen=50_000, weight_grams=500, part_id="alt"),  # HS 851150
    line("starter", "851140", price_fen=50_000, weight_grams=500, part_id="st"),
)

# EAEU (RU, KZ), CNY 3,000 to zone Z3 in EUR: goods 363.00; insurance CNY 9 = 1.089 -> 1.09;
# main carriage CNY 184 = 22.264 -> 22.26; handling CNY 80 = 9.68. CIF 396.03 (above the EUR 200
# relief; the delivery CNY 46 is after the border). Duty 5 % (EAEU MFN 85) = 19.8015 -> 19.80.
# VAT base CIF + duty = 415.83.
EAEU = "EAEU Common Customs Tariff (EEC Council Decision No. 54 of 2012-07-16), chapter 85"

TH_RELIEF = "duty exempt, up to 1500 THB, import tax relief up to 1500 THB"
VN_RELIEF = "duty exempt, up to 1000000 VND, import tax relief up to 1000000 VND"

CASES: list[DatedCase] = [
    # Russia is a restricted destination from 2022-03-05 (restricted_destinations.json), so its VAT
    # change of 2026-01-01 prices no quote; the last day before the restriction still does.
    DatedCase(
        id="RU-VAT-20-on-2022-03-04",
        country="RU",
        on=date(2022, 3, 4),
        source="import_taxes.json RU: Tax Code of the Russian Federation art. 164, 20 % (to 2025-12-31); "
        "restricted_destinations.json RU from 2022-03-05; " + EAEU,
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "НДС (VAT) 0.2", "2020-01-01", "2025-12-31"),
        duty=1_980,
        vat=8_317,  # 415.83 x 0.20 = 83.166 -> 83.17
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
        duty=1_980,
        vat=4_990,  # 415.83 x 0.12 = 49.8996 -> 49.90
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
        duty=1_980,
        vat=6_653,  # 415.83 x 0.16 = 66.5328 -> 66.53
    ),
    # DE, CNY 1,000 in EUR: goods 121.00 (<= EUR 150); insurance CNY 3 = 0.363 -> 0.36; main carriage
    # CNY 184 = 22.26; handling 9.68: customs value 153.30; the delivery CNY 46 = 5.57 is in the EU's
    # import-VAT base (Directive 2006/112/EC art. 86(1)(b)), so the VAT base is 158.87.
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
    # MPF: informal entry (151.20 <= USD 2,500), USD 2.62 in FY2025 (19 CFR 24.23(b)(1)(ii)).
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
        source="de_minimis.json US CN: Executive Order 14256 (2025-04-02), from 2025-05-02; duty_rates.json: HTSUS 2026 8511.50 2.5 %, USTR Section 301 lists 1-3 25 % (2019-05-10), EO 14228 (2025-03-03) fentanyl 20 %, EO 14266 (2025-04-09) reciprocal 125 % (2025-04-10 to 2025-05-13)",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="USD",
        rule=("de_minimis", "duty none", "2025-05-02", None),
        # 151.20 x (0.025 + 0.20 + 1.25 + 0.25) = 151.20 x 1.725 = 260.82; + MPF 2.62 = 263.44
        duty=26_344,
    ),
    DatedCase(
        id="US-Section-232-auto-parts-from-2025-05-03",
        country="US",
        on=date(2025, 5, 3),
        source="duty_rates.json US: Proclamation 10908 (2025-03-26), Annex I, starters and alternators, 25 % from 2025-05-03; EO 14257 (2025-04-02) sec. 3(b): no reciprocal duty on goods under Section 232",
        topic=TOPIC,
        lines=(ALTERNATOR_1000,),
        currency="USD",
        rule=("duty_rates", "0.25", "2025-05-03", None),
        # MFN 2.5 + fentanyl 20 + Section 232 25 + Section 301 25 (no reciprocal under 232) = 72.5 %:
        # 151.20 x 0.725 = 109.62; + MPF 2.62 = 112.24
        duty=11_224,
    ),
    # US, a battery module CNY 10,000 by economy (dangerous goods): goods 1,400.00 (> USD 800);
    # origin handling CNY 80 + dangerous-goods surcharge CNY 450 = CNY 530 = 74.20; FOB 1,474.20.
    # MFN 8507 3.4 %. Fees FY2024: MPF informal entry (<= USD 2,500) 2.53; HMF by sea 0.125 % x
    # 1,474.20 = 1.84275 -> 1.84.
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
        duty=16_506,  # 1,474.20 x (0.034 + 0.075) = 160.6878 -> 160.69; + 2.53 + 1.84 = 165.06
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
        duty=42_304,  # 1,474.20 x (0.034 + 0.25) = 418.6728 -> 418.67; + 2.53 + 1.84 = 423.04
    ),
    # TH, CNY 100 in THB: goods 460.00; handling 368.00; main carriage CNY 96 = 441.60; insurance
    # CNY 0.30 = 1.38. Customs value (CIF, the value the THB 1,500 limit is tested on) 1,270.98.
    DatedCase(
        id="TH-VAT-relief-on-2024-06-30",
        country="TH",
        on=date(2024, 6, 30),
        source="de_minimis.json TH: Customs Department Notification 2018, duty and VAT exempt <= THB 1,500 (to 2024-06-30)",
        topic=TOPIC,
        lines=(ALTERNATOR_100,),
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
        lines=(ALTERNATOR_100,),
        currency="THB",
        rule=("de_minimis", "duty exempt, up to 1500 THB", "2024-07-01", None),
        duty_treatment="de_minimis_exempt",
        duty=0,
        vat=8_897,  # 1,270.98 x 0.07 = 88.9686 -> 88.97
    ),
    # VN, CNY 100 in USD: goods 14.00; handling 11.20; main carriage CNY 96 = 13.44; insurance
    # CNY 0.30 = 0.042 -> 0.04. Customs value (CIF) 38.68 = VND 967,000 at 3,500 per CNY (<= VND 1,000,000).
    DatedCase(
        id="VN-low-value-relief-on-2025-02-17",
        country="VN",
        on=date(2025, 2, 17),
        source="de_minimis.json VN: Decision 78/2010/QD-TTg, consignments <= VND 1,000,000 exempt (to 2025-02-17)",
        topic=TOPIC,
        lines=(ALTERNATOR_100,),
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
        lines=(ALTERNATOR_100,),
        currency="USD",
        extra_rates={"VND": "3500"},
        rule=("de_minimis", "duty none", "2025-02-18", None),
        duty=387,  # 38.68 x 0.10 = 3.868 -> 3.87
        vat=426,  # (38.68 + 3.87) x 0.10 = 4.255 -> 4.26 (half-even)
    ),
    # MX, a brake caliper CNY 1,000 in USD: goods 140.00; handling 11.20; main carriage CNY 192 = 26.88;
    # insurance CNY 3 = 0.42. CIF 178.50 (MX basis). MFN 87 15 %. DTA (Ley Federal de Derechos art. 49
    # fr. I, 0.8 %, in the duty and the IVA base): 178.50 USD = CNY 1,275 = MXN 3,251.25 x 0.008 = 26.01
    # MXN = USD 1.428 -> 1.43.
    DatedCase(
        id="MX-caliper-MFN-only-on-2025-12-31",
        country="MX",
        on=date(2025, 12, 31),
        source="duty_rates.json MX: LIGIE 2022, 8708 parts simplified to 15 % (the 2026 increase not yet in force)",
        topic=TOPIC,
        lines=(CALIPER_1000,),
        currency="USD",
        rule=("duty_rates", "0.15", "2020-01-01", None),
        duty=2_821,  # 178.50 x 0.15 = 26.775 -> 26.78 (half-even); + DTA 1.43 = 28.21
        vat=3_307,  # (178.50 + 28.21) x 0.16 = 33.0736 -> 33.07
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
        duty=6_391,  # 178.50 x (0.15 + 0.20) = 62.475 -> 62.48 (half-even); + DTA 1.43 = 63.91
        vat=3_879,  # (178.50 + 63.91) x 0.16 = 38.7856 -> 38.79
    ),
    # DE, CNY 3,000 in EUR, either side of the end of Germany's temporary 16 %: goods 363.00; handling
    # 9.68; main carriage 22.26; insurance 1.09: customs value 396.03 (no EU relief or IOSS before
    # 2021-07-01, and EUR 363 is over EUR 150 anyway). Duty 3.2 % (CN 8511) = 12.67296 -> 12.67.
    # VAT base 396.03 + 12.67 + the delivery to the door 5.57 (Directive 2006/112/EC art. 86(1)(b)) = 414.27.
    DatedCase(
        id="DE-EUSt-16-on-2020-12-31",
        country="DE",
        on=date(2020, 12, 31),
        source="import_taxes.json DE: Zweites Corona-Steuerhilfegesetz of 2020-06-29 (BGBl. I 2020 S. 1512), UStG §28(1), 16 % from 2020-07-01 to 2020-12-31",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "Einfuhrumsatzsteuer 0.16", "2020-07-01", "2020-12-31"),
        duty=1_267,
        vat=6_628,  # 414.27 x 0.16 = 66.2832 -> 66.28
    ),
    DatedCase(
        id="DE-EUSt-19-from-2021-01-01",
        country="DE",
        on=date(2021, 1, 1),
        source="import_taxes.json DE: UStG §11 and §12(1), 19 % again from 2021-01-01",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="EUR",
        rule=("import_taxes", "Einfuhrumsatzsteuer 0.19", "2021-01-01", None),
        duty=1_267,
        vat=7_871,  # 414.27 x 0.19 = 78.7113 -> 78.71
    ),
    # SA, CNY 3,000 in SAR (0.525 per CNY): goods 1,575.00; handling 42.00; main carriage CNY 152 =
    # 79.80; insurance CNY 9 = 4.725 -> 4.72 (half-even): customs value (CIF) 1,701.52 (over SAR 1,000).
    # Duty 5 % (GCC Common Customs Tariff) = 85.076 -> 85.08. VAT base 1,701.52 + 85.08 = 1,786.60.
    DatedCase(
        id="SA-VAT-5-on-2020-06-30",
        country="SA",
        on=date(2020, 6, 30),
        source="import_taxes.json SA: VAT Law (Royal Decree M/113, 2017) art. 2, 5 % from 2018-01-01 to 2020-06-30",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="SAR",
        rule=("import_taxes", "VAT 0.05", "2018-01-01", "2020-06-30"),
        duty=8_508,
        vat=8_933,  # 1,786.60 x 0.05 = 89.33
    ),
    DatedCase(
        id="SA-VAT-15-from-2020-07-01",
        country="SA",
        on=date(2020, 7, 1),
        source="import_taxes.json SA: Royal Order A/638 (announced 2020-05-11) amending VAT Law art. 2, 15 % from 2020-07-01",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="SAR",
        rule=("import_taxes", "VAT 0.15", "2020-07-01", None),
        duty=8_508,
        vat=26_799,  # 1,786.60 x 0.15 = 267.99
    ),
    # SG, CNY 3,000 in SGD (0.182 per CNY): goods 546.00; handling 14.56; main carriage CNY 96 = 17.472
    # -> 17.47; insurance CNY 9 = 1.638 -> 1.64: customs value (CIF) 579.67, over SGD 400 (so no
    # low-value relief, and no overseas-vendor regime from 2023). Duty 0 (Singapore levies none on
    # these parts). GST base 579.67.
    DatedCase(
        id="SG-GST-7-on-2022-12-31",
        country="SG",
        on=date(2022, 12, 31),
        source="import_taxes.json SG: Goods and Services Tax Act 1993 s.16(1), 7 % from 2007-07-01 to 2022-12-31",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="SGD",
        rule=("import_taxes", "GST 0.07", "2007-07-01", "2022-12-31"),
        duty=0,
        vat=4_058,  # 579.67 x 0.07 = 40.5769 -> 40.58
    ),
    DatedCase(
        id="SG-GST-8-from-2023-01-01",
        country="SG",
        on=date(2023, 1, 1),
        source="import_taxes.json SG: Goods and Services Tax (Amendment) Act 2022, 8 % in 2023",
        topic=TOPIC,
        lines=(ALTERNATOR_3000,),
        currency="SGD",
        rule=("import_taxes", "GST 0.08", "2023-01-01", "2023-12-31"),
        duty=0,
        vat=4_637,  # 579.67 x 0.08 = 46.3736 -> 46.37
    ),
]
