"""National tariff lines, dated US duties on China, and preferential origin against MFN.

Each case names the destination's national line the part must be read at (6 digits where we map
none), the duty measures and rates that must apply on the date, and where the figure is simple
enough to work out by hand (the US values duty on FOB: goods + core + origin handling), the duty.

Hand figures for the US cases: 3 alternators at CNY 2,400, no core, origin handling CNY 80 for
the consignment, at USD 0.14 per CNY: goods 7,200 x 0.14 = 1,008.00, handling 11.20, customs
value 1,019.20 USD; the goods (1,008 USD) are above the USD 800 de minimis, so duty is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tests.orders.trade_rules.cases import TradeCase

HTS = "HTSUS 2025 Basic Edition"
CN25 = "EU Combined Nomenclature 2025 (Commission Implementing Reg. (EU) 2024/2522)"
UKGT = "UK Global Tariff (SI 2020/1430, in force 2021-01-01)"


@dataclass(frozen=True, kw_only=True)
class TariffCase(TradeCase):
    topic: str = "tariff"
    currency: str
    category: str = "alternator"
    hs_code: str = "851150"
    origin: str = "CN"
    schemes: tuple[str, ...] = ()
    quantity: int = 1
    national_line: str
    measures: dict[str, str] = field(default_factory=dict)  # measure -> rate, exactly these
    duty_minor: int | None = None  # the line's duty in minor units, worked out by hand (without fees)
    # The customs fees on the line (customs_fees.json), in minor units, worked out by hand.
    fees_minor: dict[str, int] = field(default_factory=dict)


US_CV = "customs value 1,019.20 USD (see the module docstring)"
# The merchandise processing fee on an entry of USD 1,019.20, an informal entry (<= USD 2,500,
# 19 CFR 143.21(a)): the flat informal fee of customs_fees.json, USD 2.62 in FY2025 (to 2025-09-30),
# USD 2.69 in FY2026 (CBP Dec. 25-10, 90 FR 34665); no harbor maintenance fee by air express.
FY25 = {"US MPF": 262}
FY26 = {"US MPF": 269}

CASES: list[TariffCase] = [
    # --- United States: the duties on China by date ---------------------------------------------
    TariffCase(
        id="us-2018-10-list3-10pct",
        country="US",
        on=date(2018, 10, 1),
        currency="USD",
        quantity=3,
        source=f"{HTS} 8511.50.00 2.5 %; USTR Section 301 list 3 (83 FR 47974, 2018-09-21), 10 % from 2018-09-24",
        national_line="85115000",
        measures={"MFN": "0.025", "US Section 301": "0.10"},
        duty_minor=12_740,  # 1,019.20 x 0.125 = 127.40
    ),
    TariffCase(
        id="us-2019-06-list3-25pct",
        country="US",
        on=date(2019, 6, 1),
        currency="USD",
        quantity=3,
        source="USTR Section 301 list 3 increase (84 FR 20459, 2019-05-09): 25 % from 2019-05-10",
        national_line="85115000",
        measures={"MFN": "0.025", "US Section 301": "0.25"},
        duty_minor=28_028,  # 1,019.20 x 0.275 = 280.28
    ),
    TariffCase(
        id="us-2025-02-fentanyl-10pct",
        country="US",
        on=date(2025, 2, 10),
        currency="USD",
        quantity=3,
        source="Executive Order 14195 (2025-02-01, 90 FR 9121): IEEPA duty on China 10 % from 2025-02-04",
        national_line="85115000",
        measures={"MFN": "0.025", "US Section 301": "0.25", "US IEEPA fentanyl (China)": "0.10"},
        duty_minor=38_220,  # 1,019.20 x 0.375 = 382.20
        fees_minor=FY25,
    ),
    TariffCase(
        id="us-2025-04-reciprocal-125pct",
        country="US",
        on=date(2025, 4, 15),
        currency="USD",
        quantity=3,
        source="Executive Order 14266 (2025-04-09): reciprocal duty on China 125 % from 2025-04-10; "
        "EO 14228 (2025-03-03): fentanyl duty 20 % from 2025-03-04",
        national_line="85115000",
        measures={
            "MFN": "0.025",
            "US Section 301": "0.25",
            "US IEEPA fentanyl (China)": "0.20",
            "US IEEPA reciprocal": "1.25",
        },
        duty_minor=175_812,  # 1,019.20 x 1.725 = 1,758.12
        fees_minor=FY25,
    ),
    TariffCase(
        id="us-2025-06-section232-lifts-reciprocal",
        country="US",
        on=date(2025, 6, 1),
        currency="USD",
        quantity=3,
        source="Proclamation 10908 (2025-03-26), Annex I 8511.50.00: 25 % from 2025-05-03; "
        "EO 14257 (2025-04-02) sec. 3(b): no reciprocal duty on goods under Section 232",
        national_line="85115000",
        measures={
            "MFN": "0.025",
            "US Section 301": "0.25",
            "US Section 232 auto parts": "0.25",
            "US IEEPA fentanyl (China)": "0.20",
        },
        duty_minor=73_892,  # 1,019.20 x 0.725 = 738.92
        fees_minor=FY25,
    ),
    TariffCase(
        id="us-2025-12-fentanyl-back-to-10pct",
        country="US",
        on=date(2025, 12, 1),
        currency="USD",
        quantity=3,
        source="Executive Order of 2025-11-04 on the PRC synthetic opioid supply chain: fentanyl duty 10 % "
        "from 2025-11-10",
        national_line="85115000",
        measures={
            "MFN": "0.025",
            "US Section 301": "0.25",
            "US Section 232 auto parts": "0.25",
            "US IEEPA fentanyl (China)": "0.10",
        },
        duty_minor=63_700,  # 1,019.20 x 0.625 = 637.00
        fees_minor=FY26,
    ),
    TariffCase(
        id="us-2025-12-german-origin-no-china-duties",
        country="US",
        on=date(2025, 12, 1),
        currency="USD",
        quantity=3,
        origin="DE",
        source="Proclamation 10908 (2025-03-26), Annex I: erga omnes; Section 301 and IEEPA China duties are for "
        "products of China only (83 FR 47974; EO 14195)",
        national_line="85115000",
        measures={"MFN": "0.025", "US Section 232 auto parts": "0.25"},
        duty_minor=28_028,  # 1,019.20 x 0.275 = 280.28
        fees_minor=FY26,
    ),
    TariffCase(
        id="us-2025-12-egr-valve-pays-reciprocal",
        country="US",
        on=date(2025, 12, 1),
        currency="USD",
        quantity=3,
        category="egr_valve",
        hs_code="848180",
        source="EO 14298 (2025-05-12): reciprocal duty on China 10 % from 2025-05-14 for goods outside Section 232 "
        "(8481.80 valves are not in our Section 232 rows)",
        national_line="848180",
        measures={
            "MFN": "0.025",
            "US Section 301": "0.25",
            "US IEEPA fentanyl (China)": "0.10",
            "US IEEPA reciprocal": "0.10",
        },
        duty_minor=48_412,  # 1,019.20 x 0.475 = 484.12
        fees_minor=FY26,
    ),
    TariffCase(
        id="us-2025-12-unmounted-pads-china-duties-on-every-line",
        country="US",
        on=date(2025, 12, 1),
        currency="USD",
        quantity=3,
        category="brake_pads",
        hs_code="6813810050",
        source=f"{HTS} 6813.81.00 Free; EO 14195 (2025-02-01) as amended: fentanyl duty on all products of China, "
        "10 % from 2025-11-10; EO 14257/14298: reciprocal 10 % (not a Section 232 line)",
        national_line="681381",
        measures={"MFN": "0", "US IEEPA fentanyl (China)": "0.10", "US IEEPA reciprocal": "0.10"},
        duty_minor=20_384,  # 1,019.20 x 0.20 = 203.84
        fees_minor=FY26,
    ),
    TariffCase(
        id="us-2024-09-27-ev-battery-10-digit-line",
        country="US",
        on=date(2024, 9, 27),
        currency="USD",
        category="nev_battery_module",
        hs_code="8507600090",  # China's own 10-digit line: read at 6 digits, mapped to the HTSUS line
        source="USTR Section 301 four-year review (89 FR 76581, 2024-09-18): HTSUS 8507.60.00.10 "
        "lithium-ion EV batteries 25 % from 2024-09-27; HTSUS 2024 3.4 %",
        national_line="8507600010",
        measures={"MFN": "0.034", "US Section 301": "0.25"},
    ),
    # --- EU and UK: the aftermarket line, not the industrial-assembly line -------------------------
    TariffCase(
        id="de-brake-pads-8708-30-91-not-30-10",
        country="DE",
        on=date(2026, 12, 1),
        currency="EUR",
        category="brake_pads",
        hs_code="870830",
        source=f"{CN25}: 8708 30 91 (disc brakes) 4.5 %, not 8708 30 10 (industrial assembly) 3 %",
        national_line="87083091",
        measures={"MFN": "0.045"},
    ),
    TariffCase(
        id="de-shock-absorber-8708-80-35",
        country="DE",
        on=date(2024, 3, 1),
        currency="EUR",
        category="shock_absorber",
        hs_code="8708801000",
        source=f"{CN25}: 8708 80 35 suspension shock absorbers 4.5 % (8708 80 20 industrial assembly 3 %)",
        national_line="87088035",
        measures={"MFN": "0.045"},
    ),
    TariffCase(
        id="fr-flywheel-8483-50-80",
        country="FR",
        on=date(2026, 12, 1),
        currency="EUR",
        category="flywheel",
        hs_code="848350",
        source=f"{CN25}: 8483 50 80 flywheels and pulleys 5.7 %",
        national_line="84835080",
        measures={"MFN": "0.057"},
    ),
    TariffCase(
        id="gb-gearbox-8708-40-50",
        country="GB",
        on=date(2026, 12, 1),
        currency="GBP",
        category="transmission",
        hs_code="870840",
        source=f"{UKGT}: 8708 40 50 gear boxes 4 % (8708 40 20 industrial assembly 2 %)",
        national_line="87084050",
        measures={"MFN": "0.04"},
    ),
    TariffCase(
        id="gb-water-pump-liberalised",
        country="GB",
        on=date(2022, 5, 1),
        currency="GBP",
        category="water_pump",
        hs_code="841330",
        source=f"{UKGT}: 8413 pumps 0 % (the EU's 1.7 % liberalised)",
        national_line="841330",
        measures={"MFN": "0"},
    ),
    # --- Preferences against MFN -------------------------------------------------------------------
    TariffCase(
        id="au-rcep-certificate-free",
        country="AU",
        on=date(2026, 12, 1),
        currency="AUD",
        schemes=("CO_RCEP",),
        source="RCEP (in force for AU and CN 2022-01-01), Customs Tariff Act 1995 Schedule 10: Free",
        national_line="851150",
        measures={"RCEP": "0"},
    ),
    TariffCase(
        id="au-no-certificate-mfn",
        country="AU",
        on=date(2026, 12, 1),
        currency="AUD",
        source="Customs Tariff Act 1995 (Cth), Schedule 3: general rate 5 %",
        national_line="851150",
        measures={"MFN": "0.05"},
    ),
    TariffCase(
        id="au-chafta-before-its-staging-ended",
        country="AU",
        on=date(2018, 6, 1),
        currency="AUD",
        schemes=("CO_CHAFTA",),
        source="ChAFTA (in force 2015-12-20), Schedule 6A: free from 2019-01-01 in our rows; MFN 5 % before",
        national_line="851150",
        measures={"MFN": "0.05"},
    ),
    TariffCase(
        id="au-chafta-2019",
        country="AU",
        on=date(2019, 6, 1),
        currency="AUD",
        schemes=("CO_CHAFTA",),
        source="ChAFTA, Customs Tariff Act 1995 Schedule 6A: Free from 2019-01-01",
        national_line="851150",
        measures={"ChAFTA": "0"},
    ),
    TariffCase(
        id="kr-ckfta-2023-staging",
        country="KR",
        on=date(2023, 6, 1),
        currency="KRW",
        category="brake_caliper",
        hs_code="870830",
        schemes=("CO_CKFTA",),
        source="China-Korea FTA (in force 2015-12-20), Korea's schedule (simplified staging): 0.8 % in 2023 "
        "against MFN 8 %",
        national_line="870830",
        measures={"CKFTA": "0.008"},
    ),
    TariffCase(
        id="kr-ckfta-free-from-2024",
        country="KR",
        on=date(2025, 6, 1),
        currency="KRW",
        category="brake_caliper",
        hs_code="870830",
        schemes=("CO_CKFTA", "CO_RCEP"),
        source="China-Korea FTA, Korea's schedule (simplified staging): free from 2024-01-01",
        national_line="870830",
        measures={"CKFTA": "0"},
    ),
    TariffCase(
        id="nz-nzcfta-free",
        country="NZ",
        on=date(2021, 3, 1),
        currency="NZD",
        category="turbocharger",
        hs_code="841480",
        schemes=("CO_NZCFTA",),
        source="New Zealand-China FTA (in force 2008-10-01): tariffs on CN goods eliminated by 2016-01-01",
        national_line="841480",
        measures={"NZCFTA": "0"},
    ),
    TariffCase(
        id="th-acfta-sensitive-track-5pct",
        country="TH",
        on=date(2026, 12, 1),
        currency="THB",
        category="transmission",
        hs_code="870840",
        schemes=("CO_ACFTA",),
        source="ASEAN-China FTA Trade in Goods Agreement (2004), sensitive track (simplified): 5 % from 2018-01-01 "
        "against the Thai MFN 30 %",
        national_line="870840",
        measures={"ACFTA": "0.05"},
    ),
    TariffCase(
        id="th-acfta-certificate-but-german-origin",
        country="TH",
        on=date(2026, 12, 1),
        currency="THB",
        category="transmission",
        hs_code="870840",
        origin="DE",
        schemes=("CO_ACFTA",),
        source="ACFTA rules of origin (Annex 3): the preference is for goods originating in China only; "
        "Thai Customs Tariff 2022: 30 %",
        national_line="870840",
        measures={"MFN": "0.30"},
    ),
    TariffCase(
        id="jp-rcep-not-claimed-mfn-free",
        country="JP",
        on=date(2026, 12, 1),
        currency="JPY",
        schemes=("CO_RCEP",),
        source="Customs Tariff Schedules of Japan 2026: auto parts free (WTO rate 0 %); RCEP cannot be lower",
        national_line="851150",
        measures={"MFN": "0"},
    ),
    TariffCase(
        id="my-rcep-certificate-no-rcep-row",
        country="MY",
        on=date(2026, 12, 1),
        currency="MYR",
        category="shock_absorber",
        hs_code="870880",
        schemes=("CO_RCEP",),
        source="Customs Duties Order 2022 (Malaysia): 10 %; only ACFTA rows for Malaysia in our data (RCEP no lower)",
        national_line="870880",
        measures={"MFN": "0.10"},
    ),
]
