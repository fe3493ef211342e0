"""Valuation: thresholds on the value the rules name, the core deposit, Canada by province, the US
fees at their minimum and maximum, Mexico's DTA, Japan's rounding.

Each case prices a cart at the fixed rates of `cases.RATES` (margin 0: the locked rate is the mid
rate) and asserts the figures it names, in minor units of the quote currency, each worked out by
hand in the comment above it. `error_field` cases expect a 4xx naming that field.

Shipping used below (services/orders/data/shipping.json): origin handling CNY 80; main carriage
to the airport or port of destination + delivery to the door: express Z4 (US, CA, MX) 6.5 kg
CNY 720 + 180, up to 500 g CNY 152 + 38; economy Z4 6.5 kg CNY 195 + 105; express Z3 (EU, GB)
6.5 kg CNY 680 + 170; express Z2 (AU) 6.5 kg CNY 560 + 140; express Z1 (JP) 6.5 kg CNY 336 + 84,
up to 500 g CNY 76 + 19. A customs value on a CIF basis holds the main carriage, not the delivery
(Reg. (EU) 952/2013 art. 71(1)(e) and the like). Insurance 0.30 % (express) or 0.45 % (economy)
of the goods in CNY.

US duties on an alternator of China on 2026-12-01 (duty_rates.json): MFN 2.5 % + Section 301 25 %
+ Section 232 auto parts 25 % + IEEPA fentanyl 10 % (from 2025-11-10; no reciprocal duty on a
Section 232 line) = 62.5 %. Mexico on 2026-12-01: MFN 10 % + the 2026 increase for non-agreement
origins 10 % = 20 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.orders.quotes.landed_cost import QuoteLineInput
from tests.orders.trade_rules.cases import TradeCase, line

TOPIC = "valuation"

MPF = "19 CFR 24.23(b)(1) and (b)(2)(i): MPF 0.3464 %, informal entries up to USD 2,500 (19 CFR 143.21(a))"
MPF_2026 = f"{MPF}; FY2026 min USD 33.58, max USD 651.50 (CBP Dec. 25-10, 90 FR 34665, 2025-07-23)"
MPF_2024 = f"{MPF}; FY2024 min USD 31.67, max USD 614.35 (CBP notice for FY2024, 2023-10-01)"
HMF = "19 CFR 24.24: harbor maintenance fee 0.125 %, sea shipments (26 U.S.C. 4461)"
S321 = "19 U.S.C. 1321 (USD 800, until 2025-05-01 for goods of China): no entry, no MPF"
DTA = "Ley Federal de Derechos art. 49 fr. I (DTA 8 al millar, 2020-); Ley del IVA art. 27 (IVA base)"
JP_ROUND = (
    "Act on General Rules for National Taxes art. 118-119; Local Tax Act (consumption tax 7.8 % + 22/78, 2019-10-01)"
)
JP_DM = "Customs Tariff Act (Japan) art. 14(18): taxable value <= JPY 10,000 exempt (2020-)"
HST = "Excise Tax Act (Canada) s.212.1 and Sch. VIII: HST"
CA_DM = "CBSA Memorandum D8-2-16 (Courier Imports Remission Order): CAD 20 (2020-)"
CVA = "WTO Customs Valuation Agreement (1994) art. 1 and 8: the price actually paid or payable"
UCC = f"{CVA}; Union Customs Code (Reg. (EU) 952/2013) art. 70 (2016-05-01)"
EU_DM = "Council Reg. (EC) 1186/2009 art. 23 (EUR 150, intrinsic value, 2021-07-01 to 2026-06-30)"
AU_DM = "Customs Act 1901 (Cth) s.68(1)(f), customs value <= AUD 1,000 (2018-07-01)"


def alternator(price_fen: int = 240_000, *, core_fen: int = 0) -> QuoteLineInput:
    return line(price_fen=price_fen, core_fen=core_fen)


def pads(price_fen: int) -> QuoteLineInput:
    return line("brake_pads", "8708.30", price_fen=price_fen, weight_grams=300, part_id="pads")


@dataclass(frozen=True, kw_only=True)
class ValuationCase(TradeCase):
    lines: tuple[QuoteLineInput, ...]
    currency: str
    incoterm: str = "DDP"
    service: str | None = None
    region: str | None = None
    treatment: str | None = None
    customs_value: int | None = None
    duty: int | None = None
    fees: tuple[tuple[str, int], ...] | None = None
    vat: int | None = None
    tax_name: str | None = None
    error_field: str | None = None
    topic: str = TOPIC


CASES: list[ValuationCase] = [
    # CNY 25,000 -> USD 3,500.00 + handling 11.20 = 3,511.20 (FOB): a formal entry (> USD 2,500).
    # MPF 0.3464 % = 12.16, raised to the FY2026 minimum 33.58. Duty 62.5 % = 2,194.50; duty and
    # fees 2,194.50 + 33.58 = 2,228.08.
    ValuationCase(
        id="US-MPF-minimum", country="US", on=date(2026, 12, 1), source=MPF_2026,
        lines=(alternator(2_500_000),), currency="USD", customs_value=351_120, fees=(("US MPF", 3_358),),
        duty=222_808,
    ),
    # CNY 1.4 million -> USD 196,000 + 11.20 = 196,011.20; MPF 678.98 limited to the maximum 651.50;
    # duty 196,011.20 * 0.625 = 122,507.00, + 651.50 = 123,158.50.
    ValuationCase(
        id="US-MPF-maximum", country="US", on=date(2026, 12, 1), source=MPF_2026,
        lines=(alternator(140_000_000),), currency="USD", fees=(("US MPF", 65_150),), duty=12_315_850,
    ),
    # By sea (economy): also the harbor maintenance fee, 0.125 % of 3,511.20 = 4.389 -> 4.39;
    # duty 2,194.50 + 33.58 + 4.39 = 2,232.47.
    ValuationCase(
        id="US-HMF-by-sea", country="US", on=date(2026, 12, 1), source=f"{HMF}; {MPF_2026}",
        lines=(alternator(2_500_000),), currency="USD", service="economy",
        fees=(("US MPF", 3_358), ("US HMF", 439)), duty=223_247,
    ),
    # FY2024: CNY 100,000 -> 14,000 + 11.20 = 14,011.20; MPF 0.3464 % = 48.5348 -> 48.53, between the
    # minimum 31.67 and maximum 614.35. Duty on 2024-06-01: MFN 2.5 % + Section 301 25 % = 27.5 % =
    # 3,853.08; + 48.53 = 3,901.61.
    ValuationCase(
        id="US-MPF-ad-valorem-FY2024", country="US", on=date(2024, 6, 1), source=MPF_2024,
        lines=(alternator(10_000_000),), currency="USD", fees=(("US MPF", 4_853),), duty=390_161,
    ),
    # 2024: USD 336.00 of goods <= 800, released under Section 321: no duty and no MPF.
    ValuationCase(
        id="US-section-321-no-fee", country="US", on=date(2024, 6, 1), source=S321,
        lines=(alternator(),), currency="USD", treatment="de_minimis_exempt", fees=(), duty=0,
    ),
    # Core deposit in the US customs value (FOB): 336.00 + core 42.00 + handling 11.20 = 389.20.
    ValuationCase(
        id="US-core-deposit-in-value", country="US", on=date(2026, 12, 1), source=CVA,
        lines=(alternator(core_fen=30_000),), currency="USD", customs_value=38_920,
    ),
    # Mexico, CIF: goods 6,120.00 + core 765.00 + (handling 80 + main carriage 720) * 2.55 = 2,040.00
    # + insurance 7.20 * 2.55 = 18.36 -> customs value 8,943.36 (the delivery CNY 180 is after the
    # border). IGI 20 % = 1,788.672 -> 1,788.67; DTA 8 per thousand = 71.54688 -> 71.55; duty and fees
    # 1,860.22. IVA 16 % of 8,943.36 + 1,788.67 + 71.55 = 10,803.58 -> 1,728.5728 -> 1,728.57.
    ValuationCase(
        id="MX-DTA-in-IVA-base", country="MX", on=date(2026, 12, 1), source=DTA,
        lines=(alternator(core_fen=30_000),), currency="MXN", customs_value=894_336, fees=(("MX DTA", 7_155),),
        duty=186_022, vat=172_857,
    ),
    # Japan in yen: CIF 51,600 + 6,450 + (336 + 80) * 21.5 = 8,944 + 155 (7.20 * 21.5 = 154.8) = 67,149,
    # down to 67,000; duty 0 (auto parts); tax base 67,000; national 7.8 % = 5,226 -> 5,200; local
    # 5,200 * 22/78 = 1,466.67 -> 1,400; consumption tax 6,600.
    ValuationCase(
        id="JP-rounding-in-yen", country="JP", on=date(2026, 12, 1), source=JP_ROUND,
        lines=(alternator(core_fen=30_000),), currency="JPY", customs_value=67_000, duty=0, vat=6_600,
    ),
    # The same in USD: no yen rounding (an estimate, with a note): CIF 336.00 + 42.00 + (80 + 336) * 0.14
    # = 58.24 + 1.01 = 437.25; 10 % = 43.725 -> 43.72 (half-even).
    ValuationCase(
        id="JP-in-USD-not-rounded", country="JP", on=date(2026, 12, 1), source=JP_ROUND,
        lines=(alternator(core_fen=30_000),), currency="USD", customs_value=43_725, vat=4_372,
    ),
    # CNY 308.20 -> 6,626.3 -> 6,626 + handling 80 * 21.5 = 1,720 + main carriage 76 * 21.5 = 1,634 +
    # insurance 0.9246 CNY * 21.5 = 19.88 -> 20: JPY 10,000 exactly, exempt (the delivery CNY 19 is
    # not in the value).
    ValuationCase(
        id="JP-at-10000-yen", country="JP", on=date(2026, 12, 1), source=JP_DM,
        lines=(pads(30_820),), currency="JPY", treatment="de_minimis_exempt", customs_value=10_000, vat=0,
    ),
    # CNY 308.22 -> 6,626.73 -> 6,627 (insurance still 20): JPY 10,001, over. Declared value down to
    # 10,000; tax 780 -> 700 national, 700 * 22/78 = 197.4 -> 100 local: 800.
    ValuationCase(
        id="JP-one-yen-over", country="JP", on=date(2026, 12, 1), source=f"{JP_DM}; {JP_ROUND}",
        lines=(pads(30_822),), currency="JPY", treatment="ad_valorem", customs_value=10_000, vat=800,
    ),
    # Canada, FOB: 468.00 + handling 15.60 = 483.60; duty 5 % = 24.18; HST 13 % of 507.78 = 66.0114.
    ValuationCase(
        id="CA-ON-HST-13", country="CA", on=date(2026, 12, 1), source=f"{HST} 13 % (Ontario, 2010-07-01)",
        lines=(alternator(),), currency="CAD", region="CA-ON", customs_value=48_360, duty=2_418, vat=6_601,
        tax_name="HST",
    ),
    # Nova Scotia, last day of 15 %: 507.78 * 0.15 = 76.167 -> 76.17.
    ValuationCase(
        id="CA-NS-HST-15-until-2025-03-31", country="CA", on=date(2025, 3, 31), source=f"{HST} 15 % (Nova Scotia)",
        lines=(alternator(),), currency="CAD", region="CA-NS", vat=7_617, tax_name="HST",
    ),
    # Nova Scotia from 2025-04-01: 14 %: 507.78 * 0.14 = 71.0892 -> 71.09.
    ValuationCase(
        id="CA-NS-HST-14-from-2025-04-01", country="CA", on=date(2025, 4, 1),
        source=f"{HST} 14 % (Nova Scotia Budget 2025-26, 2025-04-01)",
        lines=(alternator(),), currency="CAD", region="CA-NS", vat=7_109, tax_name="HST",
    ),
    # New Brunswick, Newfoundland and Labrador, Prince Edward Island: 15 %, 507.78 * 0.15 = 76.167 -> 76.17.
    *(
        ValuationCase(
            id=f"{region}-HST-15", country="CA", on=date(2026, 12, 1), source=f"{HST} 15 % (since 2016)",
            lines=(alternator(),), currency="CAD", region=region, vat=7_617, tax_name="HST",
        )
        for region in ("CA-NB", "CA-NL", "CA-PE")
    ),
    # Alberta takes no HST: GST 5 % of 507.78 = 25.389 -> 25.39.
    ValuationCase(
        id="CA-AB-GST-only", country="CA", on=date(2026, 12, 1), source="Excise Tax Act (Canada) s.212: GST 5 %",
        lines=(alternator(),), currency="CAD", region="CA-AB", vat=2_539, tax_name="GST",
    ),
    ValuationCase(
        id="CA-region-required", country="CA", on=date(2026, 12, 1), source=HST,
        lines=(alternator(),), currency="CAD", error_field="destinationRegion",
    ),
    ValuationCase(
        id="CA-region-of-another-country", country="CA", on=date(2026, 12, 1), source=HST,
        lines=(alternator(),), currency="CAD", region="US-CA", error_field="destinationRegion",
    ),
    # CAD 20 on the value for duty: CNY 22.56 -> 4.3992 -> 4.40 + handling 15.60 = 20.00: exempt.
    ValuationCase(
        id="CA-at-CAD-20", country="CA", on=date(2026, 12, 1), source=CA_DM,
        lines=(pads(2_256),), currency="CAD", region="CA-BC", treatment="de_minimis_exempt", customs_value=2_000,
        duty=0, vat=0,
    ),
    # CNY 22.62 -> 4.4109 -> 4.41: CAD 20.01, one cent over: duty 6 % = 1.2006 -> 1.20; GST 5 % of
    # 20.01 + 1.20 = 21.21: 1.0605 -> 1.06.
    ValuationCase(
        id="CA-one-cent-over-CAD-20", country="CA", on=date(2026, 12, 1), source=CA_DM,
        lines=(pads(2_262),), currency="CAD", region="CA-BC", treatment="ad_valorem", customs_value=2_001,
        duty=120, vat=106,
    ),
    # EU, CIF, core deposit in: 290.40 + 36.30 + handling 9.68 + main carriage 680 * 0.121 = 82.28 +
    # insurance 0.87 = 419.53; duty 3.2 % = 13.42496 -> 13.42; import VAT 19 % of 419.53 + 13.42 +
    # the delivery to the door 170 * 0.121 = 20.57 (Directive 2006/112/EC art. 86(1)(b)) = 453.52:
    # 86.1688 -> 86.17.
    ValuationCase(
        id="DE-core-deposit-in-value", country="DE", on=date(2026, 12, 1), source=UCC,
        lines=(alternator(core_fen=30_000),), currency="EUR", customs_value=41_953, duty=1_342, vat=8_617,
    ),
    # CNY 1,239.67 -> 149.99999 -> EUR 150.00 of goods: the relief applies at the limit.
    ValuationCase(
        id="EU-at-EUR-150", country="FR", on=date(2026, 6, 30), source=EU_DM,
        lines=(pads(123_967),), currency="EUR", treatment="de_minimis_exempt", duty=0,
    ),
    # CNY 1,239.75 -> 150.00975 -> 150.01: one cent over, ad valorem duty.
    ValuationCase(
        id="EU-one-cent-over-EUR-150", country="FR", on=date(2026, 6, 30), source=EU_DM,
        lines=(pads(123_975),), currency="EUR", treatment="ad_valorem",
    ),
    # AU tests the customs value (FOB): CNY 4,614.84 -> 982.96 + handling 17.04 = AUD 1,000.00: no duty.
    ValuationCase(
        id="AU-customs-value-at-1000", country="AU", on=date(2026, 12, 1), source=AU_DM,
        lines=(alternator(461_484),), currency="AUD", treatment="de_minimis_exempt", customs_value=100_000, duty=0,
    ),
    # CNY 4,614.90 -> 982.9737 -> 982.97: AUD 1,000.01; duty 5 % = 50.0005 -> 50.00.
    ValuationCase(
        id="AU-customs-value-a-cent-over", country="AU", on=date(2026, 12, 1), source=AU_DM,
        lines=(alternator(461_490),), currency="AUD", treatment="ad_valorem", customs_value=100_001, duty=5_000,
    ),
]  # fmt: skip
