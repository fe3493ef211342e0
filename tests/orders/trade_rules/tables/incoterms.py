"""Incoterms 2020: what each term puts in the buyer's total, the modes FOB and CIF are for, EXW
refused, and the customs value that stops at the place of entry.

Every line is the default alternator of `cases.line()` (CNY 2,400.00, no core deposit, 6.5 kg)
unless it says otherwise, priced at the fixed rates of `cases.RATES`. The legs (CNY, 6.5 kg
falls in the band up to 10 kg) come from services/orders/data/shipping.json:
  origin handling 80 per consignment;
  main carriage  express Z1 336, Z2 560, Z3 680, Z4 720; economy Z1 104, Z2 156, Z3 188, Z4 195;
  delivery       express Z1 84, Z2 140, Z3 170, Z4 180; economy Z1 56, Z2 84, Z3 102, Z4 105.
Insurance (insurance.json) on the goods value: CIF ICC (C) 110 % (economy 0.25 %): 2400 * 1.1 *
0.0025 = 6.60; CIP ICC (A) 110 % (express 0.30 %: 7.92; economy 0.45 %: 11.88); DAP/DDP our own
ICC (A) cover at 100 % (express 7.20; economy 10.80). Economy is sea except to zone Z3 (Europe),
where it is China-Europe rail; express is air.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.orders.quotes.landed_cost import QuoteLineInput
from tests.orders.trade_rules.cases import TradeCase, line

I2020 = "Incoterms 2020 (ICC Publication 723E), in force 2020-01-01"


@dataclass(frozen=True, kw_only=True)
class IncotermCase(TradeCase):
    topic: str = "incoterms"
    incoterm: str
    currency: str
    service: str | None = None
    lines: tuple[QuoteLineInput, ...] = ()
    # Expected, in minor units of `currency` (None: not asserted).
    mode: str | None = None
    shipping: int | None = None
    insurance: int | None = None
    total: int | None = None
    customs_value: int | None = None
    legs: tuple[str, ...] | None = None  # the shipping legs in the buyer's total
    door_in_tax_base: bool | None = None  # the delivery to the door is in the import-VAT base
    # A refusal: its code, and a phrase its message holds (the field is always `incoterm`).
    refused: str | None = None
    says: str = ""


CASES: list[IncotermCase] = [
    # Japan, economy is LCL sea: the four terms of the same cart side by side (JPY 21.5 per CNY).
    IncotermCase(
        id="jp-cif-sea", country="JP", on=date(2026, 12, 1), incoterm="CIF", currency="JPY", service="economy",
        source=f"{I2020}, CIF A4 (carriage to the port of destination) and A5 (ICC (C), 110 %)",
        # handling 80 -> 1,720; main 104 -> 2,236; insurance 6.60 -> 141.9 -> 142; goods 51,600
        # total 51,600 + 1,720 + 2,236 + 142 = 55,698; customs value (Japan: CIF) the same parts,
        # rounded down to JPY 1,000 (Act on General Rules for National Taxes art. 118(1)): 55,000
        mode="sea", shipping=3_956, insurance=142, total=55_698, customs_value=55_000,
        legs=("originHandling", "mainCarriage"), door_in_tax_base=False,
    ),
    IncotermCase(
        id="jp-cip-sea", country="JP", on=date(2026, 12, 1), incoterm="CIP", currency="JPY", service="economy",
        source=f"{I2020}, CIP A5: Institute Cargo Clauses (A), 110 % of the price",
        # as CIF, insurance 11.88 -> 255.42 -> 255: 51,600 + 3,956 + 255 = 55,811; customs value
        # 55,811 down to 55,000
        mode="sea", shipping=3_956, insurance=255, total=55_811, customs_value=55_000,
    ),
    IncotermCase(
        id="jp-dap-sea", country="JP", on=date(2026, 12, 1), incoterm="DAP", currency="JPY", service="economy",
        source=f"{I2020}, DAP A4 (delivery at the named place, the door); Customs Tariff Act (Japan) art. 4 (CIF)",
        # + delivery 56 -> 1,204: shipping 1,720 + 2,236 + 1,204 = 5,160; insurance 10.80 -> 232.2 -> 232
        # total 51,600 + 5,160 + 232 = 56,992; customs value without the delivery: 51,600 + 1,720 + 2,236 + 232
        # = 55,788, down to 55,000 (with the delivery it would be 56,992, down to 56,000)
        mode="sea", shipping=5_160, insurance=232, total=56_992, customs_value=55_000,
        legs=("originHandling", "mainCarriage", "delivery"), door_in_tax_base=False,
    ),
    IncotermCase(
        id="jp-fob-sea", country="JP", on=date(2026, 12, 1), incoterm="FOB", currency="JPY", service="economy",
        source=f"{I2020}, FOB A2/A4: on board at the port of shipment (Chongqing Guoyuan, Yangtze)",
        # 51,600 + handling 1,720
        mode="sea", shipping=1_720, insurance=0, total=53_320, legs=("originHandling",),
    ),
    IncotermCase(
        id="kr-fca-air", country="KR", on=date(2026, 12, 1), incoterm="FCA", currency="KRW", service="express",
        source=f"{I2020}, FCA A2/A7: the seller clears export and hands the goods to the carrier; any mode",
        # KRW 200 per CNY: goods 480,000 + handling 16,000
        mode="air", shipping=16_000, insurance=0, total=496_000, legs=("originHandling",),
    ),
    IncotermCase(
        id="kr-cif-air-refused", country="KR", on=date(2026, 12, 1), incoterm="CIF", currency="KRW",
        service="express", source=f"{I2020}, CIF explanatory note 1: sea and inland waterway transport only",
        refused="INCOTERM_NOT_FOR_MODE", says="use CIP",
    ),
    IncotermCase(
        id="gb-fob-air-refused", country="GB", on=date(2026, 12, 1), incoterm="FOB", currency="GBP",
        service="express", source=f"{I2020}, FOB explanatory note 1: sea and inland waterway only; FCA otherwise",
        refused="INCOTERM_NOT_FOR_MODE", says="use FCA",
    ),
    IncotermCase(
        id="de-cif-rail-refused", country="DE", on=date(2026, 12, 1), incoterm="CIF", currency="EUR",
        service="economy", source=f"{I2020}, CIF explanatory note 1; China-Europe rail is not sea carriage",
        refused="INCOTERM_NOT_FOR_MODE", says="travels by rail",
    ),
    IncotermCase(
        id="fr-exw-refused", country="FR", on=date(2026, 12, 1), incoterm="EXW", currency="EUR",
        source=f"{I2020}, EXW A7/B7 and guidance: export clearance is the buyer's; FCA recommended",
        refused="INCOTERM_NOT_OFFERED", says="clears export in China",
    ),
    # Germany by rail (EUR 0.121 per CNY): CIP to the terminal vs DAP to the door.
    IncotermCase(
        id="de-cip-rail", country="DE", on=date(2026, 12, 1), incoterm="CIP", currency="EUR", service="economy",
        source=f"{I2020}, CIP A4/A5; Reg. (EU) 952/2013 art. 71(1)(e) (transport to the place of entry)",
        # goods 290.40; handling 9.68; main 188 -> 22.748 -> 22.75; insurance 11.88 -> 1.43748 -> 1.44
        # total 290.40 + 9.68 + 22.75 + 1.44 = 324.27; customs value (EU CIF, no core) the same
        mode="rail", shipping=3_243, insurance=144, total=32_427, customs_value=32_427, door_in_tax_base=False,
    ),
    IncotermCase(
        id="de-dap-rail-door", country="DE", on=date(2026, 12, 1), incoterm="DAP", currency="EUR",
        service="economy",
        source="Incoterms 2020 DAP A4; Reg. (EU) 952/2013 art. 71(1)(e); Directive 2006/112/EC art. 86(1)(b), 86(2)",
        # + delivery 102 -> 12.342 -> 12.34: shipping 9.68 + 22.75 + 12.34 = 44.77; insurance 10.80 -> 1.31
        # total 290.40 + 44.77 + 1.31 = 336.48; customs value stops at the border: 290.40 + 9.68 + 22.75 + 1.31
        # = 324.14, while the import VAT base adds the 12.34 delivery to the known destination
        mode="rail", shipping=4_477, insurance=131, total=33_648, customs_value=32_414, door_in_tax_base=True,
    ),
    # The United States values on FOB: the main carriage is in a CIF quote's total, never in its customs value.
    IncotermCase(
        id="us-cif-sea-fob-value", country="US", on=date(2026, 12, 1), incoterm="CIF", currency="USD",
        service="economy", source=f"{I2020}, CIF A4/A5; 19 U.S.C. 1401a(b)(4)(A) (international freight excluded)",
        # goods 336.00; handling 11.20; main 195 -> 27.30; insurance 6.60 -> 0.924 -> 0.92
        # total 336 + 11.20 + 27.30 + 0.92 = 375.42; customs value 336 + 11.20 = 347.20
        mode="sea", shipping=3_850, insurance=92, total=37_542, customs_value=34_720,
    ),
    IncotermCase(
        id="us-dap-air", country="US", on=date(2026, 12, 1), incoterm="DAP", currency="USD", service="express",
        source=f"{I2020}, DAP A4 (delivery at the buyer's door, any mode)",
        # handling 11.20 + main 720 -> 100.80 + delivery 180 -> 25.20 = 137.20; insurance 7.20 -> 1.008 -> 1.01
        # total 336 + 137.20 + 1.01 = 474.21
        mode="air", shipping=13_720, insurance=101, total=47_421,
    ),
    IncotermCase(
        id="ae-cip-air", country="AE", on=date(2026, 12, 1), incoterm="CIP", currency="AED", service="express",
        source=f"{I2020}, CIP A4/A5 (the term for air); GCC Common Customs Law art. 21-24 (CIF)",
        # AED 0.514: goods 1,233.60; handling 41.12; main 560 -> 287.84; insurance 7.92 -> 4.07088 -> 4.07
        # total 1,233.60 + 41.12 + 287.84 + 4.07 = 1,566.63, the customs value too
        mode="air", shipping=32_896, insurance=407, total=156_663, customs_value=156_663,
    ),
    IncotermCase(
        id="sg-cif-sea", country="SG", on=date(2026, 12, 1), incoterm="CIF", currency="SGD", service="economy",
        source=f"{I2020}, CIF A4/A5; Singapore Customs: value CIF",
        # SGD 0.182: goods 436.80; handling 14.56; main 104 -> 18.928 -> 18.93; insurance 6.60 -> 1.2012 -> 1.20
        # total 436.80 + 14.56 + 18.93 + 1.20 = 471.49
        mode="sea", shipping=3_349, insurance=120, total=47_149, customs_value=47_149,
    ),
    IncotermCase(
        id="ca-fca-sea", country="CA", on=date(2026, 12, 1), incoterm="FCA", currency="CAD", service="economy",
        source=f"{I2020}, FCA A2/A7 (delivery to the carrier at Chongqing, export cleared)",
        # CAD 0.195: goods 468.00 + handling 15.60. No province needed: FCA quotes no import tax, and
        # the HST is the only thing the province decides (Excise Tax Act (Canada) s.212.1)
        mode="sea", shipping=1_560, insurance=0, total=48_360,
    ),
    # Past dates: the same terms under the rules of their day.
    IncotermCase(
        id="gb-dap-air-2021", country="GB", on=date(2021, 6, 1), incoterm="DAP", currency="GBP", service="express",
        source="Incoterms 2020 DAP A4; Value Added Tax Act 1994 s.21(2)(b) (transport to the first destination)",
        # GBP 0.106: goods 254.40; handling 8.48 + main 680 -> 72.08 + delivery 170 -> 18.02 = 98.58
        # insurance 7.20 -> 0.7632 -> 0.76; total 254.40 + 98.58 + 0.76 = 353.74
        mode="air", shipping=9_858, insurance=76, total=35_374, door_in_tax_base=True,
    ),
    IncotermCase(
        id="pl-cip-air-2023", country="PL", on=date(2023, 3, 15), incoterm="CIP", currency="PLN", service="express",
        source=f"{I2020}, CIP A5 (ICC (A), 110 %); Reg. (EU) 952/2013 art. 71(1)(e)",
        # PLN 0.515: goods 1,236.00; handling 41.20; main 680 -> 350.20; insurance 7.92 -> 4.0788 -> 4.08
        # total 1,236 + 41.20 + 350.20 + 4.08 = 1,631.48
        mode="air", shipping=39_140, insurance=408, total=163_148, customs_value=163_148,
    ),
    IncotermCase(
        id="nz-cif-sea-2024", country="NZ", on=date(2024, 7, 1), incoterm="CIF", currency="NZD", service="economy",
        lines=(line(price_fen=600_000),),
        source=f"{I2020}, CIF A4/A5; Customs and Excise Act 2018 (NZ) Sch. 4 (FOB value)",
        # CNY 6,000 at NZD 0.24: goods 1,440.00; handling 19.20; main Z2 156 -> 37.44
        # insurance 6000 * 1.1 * 0.0025 = 16.50 -> 3.96; total 1,440 + 19.20 + 37.44 + 3.96 = 1,500.60
        # customs value on NZ's FOB basis: 1,440 + 19.20 = 1,459.20
        mode="sea", shipping=5_664, insurance=396, total=150_060, customs_value=145_920,
    ),
    IncotermCase(
        id="it-cip-default-service", country="IT", on=date(2025, 2, 3), incoterm="CIP", currency="EUR",
        source=f"{I2020}, CIP: any mode; with no service asked a quote flies express",
        # goods 290.40; handling 9.68; main express Z3 680 -> 82.28; insurance 7.92 -> 0.95832 -> 0.96
        # total 290.40 + 9.68 + 82.28 + 0.96 = 383.32
        mode="air", shipping=9_196, insurance=96, total=38_332,
    ),
    IncotermCase(
        id="th-fob-default-service", country="TH", on=date(2022, 9, 1), incoterm="FOB", currency="THB",
        source=f"{I2020}, FOB: sea only, so with no service asked the quote goes by economy (sea)",
        # THB 4.6: goods 11,040.00 + handling 368.00
        mode="sea", shipping=36_800, insurance=0, total=1_140_800,
    ),
]  # fmt: skip
