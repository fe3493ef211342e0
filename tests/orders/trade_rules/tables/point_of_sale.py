"""Point-of-sale regimes: where the seller collects VAT/GST at the sale, under every Incoterm.

Each quote case prices a cart at the fixed rates of `cases.RATES` (margin 0, so the locked rate is
the mid rate) and says whether a regime applies (`scheme`), and, where a figure is asserted, the
VAT/GST (`vat`) and the total (`total`) in minor units of the quote currency, worked out by hand
in the comment above it. The regime cases without lines ask the data alone (Norway and Switzerland
are not quotable destinations yet): is `value` (in the threshold's currency) within the regime on
`on`?

Shipping used below (services/orders/data/shipping.json): origin handling CNY 80; main carriage
+ delivery to the door: express zone Z3 (EU, GB) up to 1 kg CNY 184 + 46; express Z2 (AU, NZ)
6.5 kg CNY 560 + 140; economy Z2 6.5 kg CNY 156 + 84; express Z1 (SG) up to 1 kg CNY 96 + 24,
economy Z1 up to 5 kg CNY 78 + 42. Insurance: express 0.30 %, economy 0.45 % of the goods in CNY
(DAP/DDP, ICC (A) 100 %); CIF ICC (C) 110 % (economy 0.25 %), CIP ICC (A) 110 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.orders.quotes.landed_cost import QuoteLineInput
from tests.orders.trade_rules.cases import TradeCase, line

TOPIC = "point_of_sale"

UK = "Taxation (Post-transition Period) Act 2020 Sch. 3, VAT Act 1994 s.7(5B) (2021-01-01): GBP 135"
AU = "Treasury Laws Amendment (GST Low Value Goods) Act 2017, GST Act s.84-79 (2018-07-01): AUD 1,000 per item"
NZ = "Taxation (Annual Rates for 2019-20, GST Offshore Supplier Registration ...) Act 2019 (2019-12-01): NZD 1,000"
NO = "Merverdiavgiftsloven s.3-30, VOEC scheme (2020-04-01): goods below NOK 3,000 per item"
CH = "MWSTG art. 7 para. 3 let. b, mail-order rule (in force 2019-01-01)"
SG = "Goods and Services Tax (Amendment) Act 2021, OVR for low-value goods (2023-01-01): SGD 400, air or post"
EU = "Directive 2006/112/EC art. 369l-369x, IOSS (Directives (EU) 2017/2455, 2019/1995; 2021-07-01): EUR 150"


def pads(price_fen: int, *, core_fen: int = 0) -> QuoteLineInput:
    """Brake pads of 1 kg: express Z3 up to 1 kg."""
    return line("brake_pads", "8708.30", price_fen=price_fen, core_fen=core_fen, weight_grams=1_000, part_id="pads")


@dataclass(frozen=True, kw_only=True)
class PointOfSaleCase(TradeCase):
    lines: tuple[QuoteLineInput, ...] = ()
    currency: str = ""
    incoterm: str = "DAP"
    service: str | None = None
    scheme: str | None = None  # the regime expected, None = tax on import
    vat: int | None = None
    total: int | None = None
    value: Decimal | None = None  # regime-only cases: the value tested, in the threshold's currency
    topic: str = TOPIC


CASES: list[PointOfSaleCase] = [
    # CNY 1,273.58 at 0.106 = GBP 134.99948 -> 135.00: exactly at the limit, UK VAT at the sale.
    # Shipping CNY 230 + 80 = 310 -> 32.86; insurance 0.30 % of 1,273.58 = 3.8207 CNY -> 0.40.
    # VAT 20 % of the price charged 135.00 + 32.86 + 0.40 = 168.26 -> 33.652 -> 33.65; in the DAP
    # total: 168.26 + 33.65 = 201.91 (no duty: <= GBP 135).
    PointOfSaleCase(
        id="GB-DAP-at-135", country="GB", on=date(2026, 12, 1), source=UK,
        lines=(pads(127_358),), currency="GBP", scheme="GB_VAT_POS", vat=3_365, total=20_191,
    ),
    # CNY 1,273.68 -> GBP 135.010: one penny over; import VAT on arrival, not in the DAP total.
    PointOfSaleCase(
        id="GB-DAP-a-penny-over", country="GB", on=date(2026, 12, 1), source=UK,
        lines=(pads(127_368),), currency="GBP", scheme=None,
    ),
    # FCA (EXW is not offered: the buyer abroad could not clear export in China): the goods 135.00 and
    # the origin handling CNY 80 * 0.106 = 8.48 are charged, so the VAT is 20 % of 143.48 = 28.696 ->
    # 28.70, collected although the buyer's forwarder carries from Chongqing; total 172.18.
    PointOfSaleCase(
        id="GB-FCA-at-135", country="GB", on=date(2026, 12, 1), source=f"{UK}; Incoterms 2020 FCA A2/A7",
        lines=(pads(127_358),), currency="GBP", incoterm="FCA", scheme="GB_VAT_POS", vat=2_870, total=17_218,
    ),
    # Quoted in EUR: goods 121.00 + core deposit 24.20 (part of the price) = EUR 145.20, at the mid
    # rates GBP 145.20 / 0.121 * 0.106 = 127.20 <= 135. DDP: VAT 20 % of 121.00 + 24.20 + shipping
    # 37.51 (CNY 310 * 0.121) + insurance 0.36 (3.00 CNY * 0.121 = 0.363) = 183.07 -> 36.614 -> 36.61.
    PointOfSaleCase(
        id="GB-DDP-in-EUR-with-core", country="GB", on=date(2026, 12, 1), source=UK,
        lines=(pads(100_000, core_fen=20_000),), currency="EUR", incoterm="DDP", scheme="GB_VAT_POS", vat=3_661,
        total=12_100 + 2_420 + 3_751 + 36 + 3_661,
    ),
    # An alternator of CNY 2,400: customs value (FOB) 511.20 + handling 17.04 = AUD 528.24 <= 1,000 per
    # item. GST 10 % of 511.20 + shipping 166.14 (CNY 780 * 0.213) + insurance 1.53 (7.20 * 0.213 =
    # 1.5336) = 678.87 -> 67.887 -> 67.89; DAP total 678.87 + 67.89 = 746.76.
    PointOfSaleCase(
        id="AU-DAP-alternator", country="AU", on=date(2026, 12, 1), source=AU,
        lines=(line(),), currency="AUD", scheme="AU_GST_LVG", vat=6_789, total=74_676,
    ),
    # FOB: goods 511.20 + origin handling 17.04 = 528.24 charged; GST 52.824 -> 52.82; total 581.06.
    PointOfSaleCase(
        id="AU-FOB-alternator", country="AU", on=date(2026, 12, 1), source=AU,
        lines=(line(),), currency="AUD", incoterm="FOB", scheme="AU_GST_LVG", vat=5_282, total=58_106,
    ),
    # Per item: two alternators, AUD 1,022.40 + 17.04 = 1,039.44 of customs value for the consignment
    # (over AUD 1,000: duty 5 % = 51.97, an estimate under DAP) but 519.72 per item: GST at the sale.
    # Express Z2 13 kg CNY 1,200 + 80 -> 272.64; insurance 14.40 CNY -> 3.0672 -> 3.07. GST 10 % of
    # 1,022.40 + 272.64 + 3.07 = 1,298.11 -> 129.811 -> 129.81; total 1,427.92.
    PointOfSaleCase(
        id="AU-DAP-per-item-two-units", country="AU", on=date(2026, 12, 1), source=AU,
        lines=(line(quantity=2),), currency="AUD", scheme="AU_GST_LVG", vat=12_981, total=142_792,
    ),
    # CNY 4,700 -> AUD 1,001.10 + 17.04 handling = 1,018.14 customs value per item: over AUD 1,000,
    # GST at the border.
    PointOfSaleCase(
        id="AU-DAP-over-1000-per-item", country="AU", on=date(2026, 12, 1), source=AU,
        lines=(line(price_fen=470_000),), currency="AUD", scheme=None,
    ),
    # CIF (sea only, so by economy): NZD 576.00 + handling 19.20 = 595.20 per item <= 1,000. GST 15 % of
    # the price charged: 576.00 + handling 19.20 + sea carriage to the port 37.44 (CNY 156 * 0.24) +
    # insurance ICC (C) 110 % 1.58 (2,400 * 1.1 * 0.25 % = CNY 6.60 * 0.24 = 1.584) = 634.22 -> 95.133
    # -> 95.13; total 634.22 + 95.13 = 729.35.
    PointOfSaleCase(
        id="NZ-CIF-alternator", country="NZ", on=date(2026, 12, 1), source=NZ,
        lines=(line(),), currency="NZD", incoterm="CIF", scheme="NZ_GST_LVG", vat=9_513, total=63_422 + 9_513,
    ),
    # CNY 4,000 -> NZD 960.00 + 19.20 = 979.20 <= 1,000. GST 15 % of 960.00 + 187.20 + 2.88 (12.00 CNY *
    # 0.24) = 1,150.08 -> 172.512 -> 172.51; DAP total 1,322.59.
    PointOfSaleCase(
        id="NZ-DAP-just-under", country="NZ", on=date(2026, 12, 1), source=NZ,
        lines=(line(price_fen=400_000),), currency="NZD", scheme="NZ_GST_LVG", vat=17_251, total=132_259,
    ),
    # CNY 2,000 -> SGD 364.00 <= 400, by air (express). GST 9 % of 364.00 + shipping 36.40 (CNY 200 *
    # 0.182) + insurance 1.09 (6.00 CNY * 0.182 = 1.092) = 401.49 -> 36.1341 -> 36.13.
    PointOfSaleCase(
        id="SG-DAP-express", country="SG", on=date(2026, 12, 1), source=SG,
        lines=(pads(200_000),), currency="SGD", service="express", scheme="SG_GST_OVR_LVG", vat=3_613,
        total=40_149 + 3_613,
    ),
    # CIP by air (CIF is for sea only, and the regime is for air or post): goods 364.00 + handling 14.56
    # + air carriage to the airport 17.47 (CNY 96 * 0.182 = 17.472) + insurance ICC (A) 110 % 1.20
    # (2,000 * 1.1 * 0.30 % = CNY 6.60 * 0.182 = 1.2012) = 397.23; GST 9 % = 35.7507 -> 35.75, collected.
    PointOfSaleCase(
        id="SG-CIP-express", country="SG", on=date(2026, 12, 1), source=f"{SG}; Incoterms 2020 CIP A4/A5",
        lines=(pads(200_000),), currency="SGD", incoterm="CIP", service="express", scheme="SG_GST_OVR_LVG",
        vat=3_575, total=39_723 + 3_575,
    ),
    # The same parcel by sea (economy) is outside the regime: GST on import.
    PointOfSaleCase(
        id="SG-DAP-by-sea", country="SG", on=date(2026, 12, 1), source=SG,
        lines=(pads(200_000),), currency="SGD", service="economy", scheme=None,
    ),
    # CNY 1,000 -> EUR 121.00 <= 150: IOSS, at Germany's 19 %. DAP on 2026-12-01: the EUR 3 flat duty
    # is an estimate outside the total, so the VAT is 19 % of 121.00 + 37.51 + 0.36 = 158.87 -> 30.1853
    # -> 30.19; total 189.06.
    PointOfSaleCase(
        id="DE-DAP-IOSS", country="DE", on=date(2026, 12, 1), source=EU,
        lines=(pads(100_000),), currency="EUR", scheme="EU_IOSS", vat=3_019, total=18_906,
    ),
    # France, DDP, 2024-03-01 (duty relief <= EUR 150, no duty): TVA 20 % of 158.87 = 31.774 -> 31.77.
    PointOfSaleCase(
        id="FR-DDP-IOSS-2024", country="FR", on=date(2024, 3, 1), source=EU,
        lines=(pads(100_000),), currency="EUR", incoterm="DDP", scheme="EU_IOSS", vat=3_177, total=15_887 + 3_177,
    ),
    # The regimes by date and limit (the data alone).
    PointOfSaleCase(id="EU-IOSS-before-2021-07", country="DE", on=date(2021, 6, 30), source=EU,
                    value=Decimal("20"), scheme=None),
    PointOfSaleCase(id="EU-IOSS-from-2021-07", country="DE", on=date(2021, 7, 1), source=EU,
                    value=Decimal("150"), scheme="EU_IOSS"),
    PointOfSaleCase(id="NO-VOEC-below-3000", country="NO", on=date(2020, 4, 1), source=NO,
                    value=Decimal("2999.99"), scheme="NO_VOEC"),
    # "below NOK 3,000": at 3,000 the import rules apply.
    PointOfSaleCase(id="NO-VOEC-at-3000", country="NO", on=date(2024, 1, 1), source=NO,
                    value=Decimal("3000"), scheme=None),
    PointOfSaleCase(id="NO-VOEC-before-2020-04", country="NO", on=date(2020, 3, 31), source=NO,
                    value=Decimal("100"), scheme=None),
    # The mail-order rule has no value limit once registered.
    PointOfSaleCase(id="CH-mail-order-from-2019", country="CH", on=date(2019, 1, 1), source=CH,
                    value=Decimal("25000"), scheme="CH_VAT_MAIL_ORDER"),
    PointOfSaleCase(id="CH-before-2019", country="CH", on=date(2018, 12, 31), source=CH,
                    value=Decimal("10"), scheme=None),
    PointOfSaleCase(id="UK-before-2021", country="GB", on=date(2020, 12, 31), source=UK,
                    value=Decimal("10"), scheme=None),
    PointOfSaleCase(id="AU-LVG-from-2018-07", country="AU", on=date(2018, 7, 1), source=AU,
                    value=Decimal("1000"), scheme="AU_GST_LVG"),
    PointOfSaleCase(id="SG-before-2023", country="SG", on=date(2022, 12, 31), source=SG,
                    value=Decimal("10"), scheme=None),
]  # fmt: skip
