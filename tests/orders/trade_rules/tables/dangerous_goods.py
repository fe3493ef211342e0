"""Dangerous goods: lithium-ion batteries classified UN3480 (a battery module shipped by itself)
or UN3481 (contained in equipment), and what each transport mode allows on the quote's date.

Express is air (our integrator), economy is LCL sea, or China-Europe rail to zone Z3. The rules
are services/orders/data/dangerous_goods.json; the editions change on their dates: IATA DGR
yearly on 1 January, the IMDG Code on its mandatory dates (Amendment 39-18 from 2020-01-01,
40-20 from 2022-06-01, 41-22 from 2024-01-01, 42-24 from 2026-01-01), RID every odd year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.orders.quotes.landed_cost import QuoteLineInput
from tests.orders.trade_rules.cases import TradeCase, line

# An EV traction battery module as the catalog lists it: category and HS code of a battery.
MODULE = line("nev_battery_module", "850760", price_fen=600_000, weight_grams=25_000, part_id="bat-1")
# A part that carries a lithium-ion battery and is not one (battery_chemistry set): UN3481.
# The catalog does not list such parts yet; the rule stands ready for them.
FITTED = QuoteLineInput(
    part_id="fit-1", category="ecu", hs_code="853710", weight_grams=4_000, unit_price_fen=300_000,
    core_charge_fen=0, quantity=1, battery_chemistry="LFP",
)  # fmt: skip
FITTED_HEAVY = QuoteLineInput(
    part_id="fit-2", category="ecu", hs_code="853710", weight_grams=8_000, unit_price_fen=300_000,
    core_charge_fen=0, quantity=1, battery_chemistry="LFP",
)  # fmt: skip

DGR66 = "IATA Dangerous Goods Regulations 66th edition (2025)"
DGR67 = "IATA Dangerous Goods Regulations 67th edition (2026)"


@dataclass(frozen=True, kw_only=True)
class DangerousGoodsCase(TradeCase):
    topic: str = "dangerous_goods"
    currency: str
    service: str | None
    lines: tuple[QuoteLineInput, ...] = (MODULE,)
    # Expected: the classification of the first line and what its mode requires ...
    un_number: str | None = None
    mode: str | None = None
    packing_instruction: str | None = None
    regime: str | None = None
    state_of_charge: str | None = None  # a phrase of it; "" = none required
    incoterm: str = "CIP"
    shipping: int | None = None  # minor units (CIP: origin handling + DG surcharge + main carriage)
    # ... or the refusal (DANGEROUS_GOODS_REFUSED, field shippingService) and a phrase of its reason.
    refused: str = ""
    region: str | None = None  # the province of a delivery to Canada (its HST), as a quote needs it


CASES: list[DangerousGoodsCase] = [
    DangerousGoodsCase(
        id="us-un3480-express-refused-2026", country="US", on=date(2026, 12, 1), currency="USD", service="express",
        source=f"{DGR67}, Table 4.2 UN3480 and PI 965 (passenger aircraft forbidden); integrator DG account terms",
        refused="forbidden on passenger aircraft",
    ),
    DangerousGoodsCase(
        id="us-un3480-express-refused-2025", country="US", on=date(2025, 6, 2), currency="USD", service="express",
        source=f"{DGR66}, PI 965: cargo aircraft only, state of charge at most 30 %",
        refused=DGR66,
    ),
    DangerousGoodsCase(
        id="my-un3480-express-refused-2020", country="MY", on=date(2020, 2, 3), currency="MYR", service="express",
        source="IATA Dangerous Goods Regulations 61st edition (2020), PI 965",
        refused="60th to 65th editions",
    ),
    DangerousGoodsCase(
        id="us-un3480-sea-imdg-42", country="US", on=date(2026, 12, 1), currency="USD", service="economy",
        source="IMDG Code 2024 edition (Amendment 42-24), mandatory 2026-01-01, P903; UN Model Regulations 3.2",
        # CIP: handling 80 + main Z4 25 kg (band <= 30 kg) 358 + DG surcharge 450 = 888 CNY * 0.14 = 124.32
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 42-24", state_of_charge="",
        shipping=12_432,
    ),
    DangerousGoodsCase(
        id="us-un3480-fca-surcharge", country="US", on=date(2026, 12, 1), currency="USD", service="economy",
        incoterm="FCA",
        source="Incoterms 2020 FCA A8 (packaging and marking are the seller's); IMDG Code 2024 edition P903",
        # FCA: origin handling 80 + DG surcharge 450 = 530 CNY * 0.14 = 74.20, no main carriage
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 42-24", shipping=7_420,
    ),
    DangerousGoodsCase(
        id="jp-un3480-sea-imdg-41", country="JP", on=date(2025, 12, 31), currency="JPY", service="economy",
        source="IMDG Code 2022 edition (Amendment 41-22), mandatory 2024-01-01 to 2025-12-31, P903",
        # handling 80 + main Z1 25 kg 188 + surcharge 450 = 718 CNY * 21.5 = 15,437
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 41-22", shipping=15_437,
    ),
    DangerousGoodsCase(
        id="kr-un3480-sea-imdg-40", country="KR", on=date(2023, 6, 1), currency="KRW", service="economy",
        source="IMDG Code 2020 edition (Amendment 40-20), mandatory 2022-06-01 (IMO MSC.477(102)), P903",
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 40-20",
    ),
    DangerousGoodsCase(
        id="au-un3480-sea-imdg-39", country="AU", on=date(2021, 3, 1), currency="AUD", service="economy",
        source="IMDG Code 2018 edition (Amendment 39-18), mandatory 2020-01-01 to 2022-05-31, P903",
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 39-18",
    ),
    DangerousGoodsCase(
        id="de-un3480-rail-rid-2025", country="DE", on=date(2026, 12, 1), currency="EUR", service="economy",
        source="RID 2025 (COTIF Appendix C), Table A UN 3480, P903; SMGS Annex 2 on the Eurasian leg",
        un_number="UN3480", mode="rail", packing_instruction="P903", regime="RID 2025",
    ),
    DangerousGoodsCase(
        id="pl-un3480-rail-rid-2021", country="PL", on=date(2022, 1, 10), currency="PLN", service="economy",
        source="RID 2021 (COTIF Appendix C), in force 2021-01-01 to 2022-12-31, P903",
        un_number="UN3480", mode="rail", packing_instruction="P903", regime="RID 2021",
    ),
    DangerousGoodsCase(
        id="sa-un3480-default-economy", country="SA", on=date(2026, 3, 2), currency="SAR", service=None,
        source="IMDG Code 2024 edition (Amendment 42-24), P903: with no service asked, dangerous goods go by sea",
        un_number="UN3480", mode="sea", packing_instruction="P903", regime="Amendment 42-24",
    ),
    DangerousGoodsCase(
        id="gb-un3481-express-2026", country="GB", on=date(2026, 12, 1), currency="GBP", service="express",
        lines=(FITTED,),
        source=f"{DGR67}, PI 967 Section I (5 kg net per package); state of charge recommended for PI 967",
        un_number="UN3481", mode="air", packing_instruction="PI 967 Section I", regime="67th edition",
        state_of_charge="mandatory only for PI 966",
    ),
    DangerousGoodsCase(
        id="fr-un3481-express-2025", country="FR", on=date(2025, 3, 3), currency="EUR", service="express",
        lines=(FITTED,),
        source=f"{DGR66}, PI 967: state of charge at most 30 % recommended from 2025-01-01",
        un_number="UN3481", mode="air", packing_instruction="PI 967 Section I", regime="66th edition",
        state_of_charge="recommended at most 30 %",
    ),
    DangerousGoodsCase(
        id="nl-un3481-express-2024", country="NL", on=date(2024, 6, 3), currency="EUR", service="express",
        lines=(FITTED,),
        source="IATA Dangerous Goods Regulations 65th edition (2024), PI 967: no state-of-charge provision",
        un_number="UN3481", mode="air", packing_instruction="PI 967 Section I", regime="60th to 65th",
        state_of_charge="",
    ),
    DangerousGoodsCase(
        id="ca-un3481-express-over-5kg", country="CA", on=date(2026, 12, 1), currency="CAD", service="express",
        lines=(FITTED_HEAVY,), region="CA-ON",
        source=f"{DGR67}, PI 967 Section I: 5 kg net of batteries per package on passenger aircraft",
        refused="exceeds the 5 kg net limit",
    ),
    DangerousGoodsCase(
        id="th-un3481-sea", country="TH", on=date(2026, 12, 1), currency="THB", service="economy",
        lines=(FITTED_HEAVY,),
        source="IMDG Code 2024 edition (Amendment 42-24), UN 3481 P903 (contained in equipment)",
        un_number="UN3481", mode="sea", packing_instruction="P903", regime="Amendment 42-24",
    ),
    DangerousGoodsCase(
        id="kw-no-battery-no-class", country="KW", on=date(2026, 12, 1), currency="KWD", service="express",
        lines=(line(),),
        source="UN Model Regulations 3.2: an alternator without a battery is not dangerous goods",
        un_number=None, mode="air",
    ),
]  # fmt: skip
