"""Legality before price: restricted conditions, restricted destinations, countries we do not
serve, market rules by date, and the base orders rows of the countries added to the quotable set.

Each case names the instrument and its date that decide it. The legality cases run on the
shared rule (marketplace/compliance/markets.py), pure: the same function search,
eligibility, quotes and checkout use. `priced` cases run a quote (cases.price) for the new
destinations' rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from tests.orders.trade_rules.cases import TradeCase

Kind = Literal["condition", "destination", "market", "priced"]


@dataclass(frozen=True, kw_only=True)
class LegalityCase(TradeCase):
    kind: Kind
    # condition: the part's condition and category; destination/market: the category asked.
    condition: str | None = None
    category: str = "brake_pads"
    # The refusal's code, or None when the part (or the country) is allowed.
    expect: str | None = None
    # market: the schemes required on the day (supplier-level first) and a word of the row's source.
    schemes: tuple[str, ...] = ()
    source_says: str | None = None
    # priced: the stacked duty rate and the import tax rate of the line.
    duty_rate: Decimal | None = None
    vat_rate: Decimal | None = None
    currency: str = "USD"
    hs_code: str = "8708.30"


CASES: list[LegalityCase] = [
    # --- import restrictions by the part's condition (import_restrictions.json) ---------------
    LegalityCase(
        id="BR-remanufactured-needs-licence-2025",
        country="BR", on=date(2025, 6, 1), topic="legality", kind="condition", condition="REMANUFACTURED",
        source="Portaria SECEX 23/2011 (2011-07-14) Art. 43 ff.; remanufactured goods are used goods in Brazil",
        expect="CONDITION_LICENCE_REQUIRED",
    ),
    LegalityCase(
        id="BR-used-prohibited-2020",
        country="BR", on=date(2020, 3, 1), topic="legality", kind="condition", condition="USED",
        source="Portaria SECEX 23/2011 (2011-07-14), Portaria DECEX 8/1991: used consumer goods may not be imported",
        expect="CONDITION_PROHIBITED",
    ),
    LegalityCase(
        id="BR-new-part-allowed-2025",
        country="BR", on=date(2025, 6, 1), topic="legality", kind="condition", condition="NEW",
        source="Portaria SECEX 23/2011 (2011-07-14) restricts used goods only; NEW is never restricted",
        expect=None,
    ),
    LegalityCase(
        id="IN-remanufactured-needs-dgft-authorisation-2024",
        country="IN", on=date(2024, 6, 1), topic="legality", kind="condition", condition="REMANUFACTURED",
        source="Foreign Trade Policy 2023 (2023-04-01) para 2.31: remanufactured goods restricted, DGFT authorisation",
        expect="CONDITION_LICENCE_REQUIRED",
    ),
    LegalityCase(
        id="ID-refurbished-prohibited-2024",
        country="ID", on=date(2024, 6, 1), topic="legality", kind="condition", condition="REFURBISHED",
        source="Permendag 20/2021 (2021) Art. 18: goods must be imported new",
        expect="CONDITION_PROHIBITED",
    ),
    LegalityCase(
        id="ZA-used-needs-itac-permit-2023",
        country="ZA", on=date(2023, 1, 10), topic="legality", kind="condition", condition="USED",
        source="ITAC Import Control notice R.91 (2012-02-10) para (I)(b): second-hand goods only under permit",
        expect="CONDITION_LICENCE_REQUIRED",
    ),
    LegalityCase(
        id="VN-used-spare-parts-banned-2019",
        country="VN", on=date(2019, 5, 1), topic="legality", kind="condition", condition="USED",
        source="Decree 69/2018/ND-CP (2018-05-15) Appendix I section II: used motor-vehicle spare parts banned",
        expect="CONDITION_PROHIBITED",
    ),
    LegalityCase(
        id="MY-remanufactured-needs-approved-permit-2024",
        country="MY", on=date(2024, 2, 1), topic="legality", kind="condition", condition="REMANUFACTURED",
        source="Customs (Prohibition of Imports) Order 2023 (P.U.(A) 117, 2023-04-15), Second Schedule",
        expect="CONDITION_LICENCE_REQUIRED",
    ),
    LegalityCase(
        id="SA-used-parts-banned-2022",
        country="SA", on=date(2022, 1, 1), topic="legality", kind="condition", condition="USED",
        source="Saudi Ministry of Commerce decision applied from 1 Muharram 1433 (2011-11-26): used spare parts banned",
        expect="CONDITION_PROHIBITED",
    ),
    LegalityCase(
        id="DE-remanufactured-allowed-2025",
        country="DE", on=date(2025, 1, 1), topic="legality", kind="condition", condition="REMANUFACTURED",
        source="Regulation (EU) 2018/858 (2018-05-30): no import restriction on remanufactured parts; R90 still asked",
        expect=None,
    ),
    # --- destinations we do not serve (restricted_destinations.json, market_rules.json) ------
    LegalityCase(
        id="KP-un-embargo-2019",
        country="KP", on=date(2019, 6, 1), topic="legality", kind="destination",
        source="UN Security Council resolution 2397 (2017-12-22) para 7: no vehicles or parts to the DPRK",
        expect="DESTINATION_RESTRICTED",
    ),
    LegalityCase(
        id="IR-acquirer-cannot-serve-2024",
        country="IR", on=date(2025, 1, 1), topic="legality", kind="destination",
        source="Stripe Restricted Businesses list, high-risk jurisdictions (November 2024)",
        expect="DESTINATION_RESTRICTED",
    ),
    LegalityCase(
        id="RU-served-before-the-card-networks-left-2021",
        country="RU", on=date(2021, 6, 1), topic="legality", kind="destination",
        source="TR CU 018/2011 market rules (EAEU); card schemes suspended Russia only on 2022-03-05",
        expect=None,
    ),
    LegalityCase(
        id="RU-restricted-from-2022-03-05",
        country="RU", on=date(2022, 3, 5), topic="legality", kind="destination",
        source="Stripe, 'Impact of sanctions on Russia and Belarus' (2022-06-28); card schemes left on 2022-03-05",
        expect="DESTINATION_RESTRICTED",
    ),
    LegalityCase(
        id="AR-no-market-rules-2025",
        country="AR", on=date(2025, 1, 1), topic="legality", kind="destination",
        source="market_rules.json (2026-12-04): no default market; Argentina has no market rules",
        expect="DESTINATION_NOT_SERVED",
    ),
    LegalityCase(
        id="CN-no-market-rules-2025",
        country="CN", on=date(2025, 1, 1), topic="legality", kind="destination",
        source="market_rules.json (2026-12-04): China is our origin, not a destination we quote",
        expect="DESTINATION_NOT_SERVED",
    ),
    LegalityCase(
        id="IN-not-served-before-its-rules-2023",
        country="IN", on=date(2023, 6, 1), topic="legality", kind="destination",
        source="market_rules.json IN market from 2024-01-01 (CMVR rule 124), like its orders rows",
        expect="DESTINATION_NOT_SERVED",
    ),
    # --- market rules read for their date ----------------------------------------------------
    LegalityCase(
        id="DE-battery-without-eu-declaration-2024-08-17",
        country="DE", on=date(2024, 8, 17), topic="legality", kind="market", category="nev_battery_module",
        source="Regulation (EU) 2023/1542 (2023-07-12) Art. 96: Chapter VI applies from 2024-08-18",
        schemes=("ISO_9001", "UN_38_3", "ECE_R100"),
    ),
    LegalityCase(
        id="DE-battery-with-eu-declaration-2024-08-18",
        country="DE", on=date(2024, 8, 18), topic="legality", kind="market", category="nev_battery_module",
        source="Regulation (EU) 2023/1542 (2023-07-12) Art. 18 declaration of conformity, from 2024-08-18",
        schemes=("ISO_9001", "UN_38_3", "ECE_R100", "EU_BATTERY_2023_1542"), source_says="2023/1542",
    ),
    LegalityCase(
        id="FR-r90-through-directive-2007-46-in-2020",
        country="FR", on=date(2020, 8, 31), topic="legality", kind="market",
        source="Directive 2007/46/EC (2007-09-05) Art. 31 and Annex XIII, until 2020-08-31",
        schemes=("ISO_9001", "ECE_R90"), source_says="2007/46/EC",
    ),
    LegalityCase(
        id="FR-r90-through-regulation-2018-858-from-2020-09-01",
        country="FR", on=date(2020, 9, 1), topic="legality", kind="market",
        source="Regulation (EU) 2018/858 (2018-05-30) Art. 55 and its Annex, from 2020-09-01",
        schemes=("ISO_9001", "ECE_R90"), source_says="2018/858",
    ),
    LegalityCase(
        id="BR-inmetro-portaria-55-2014-until-2022-05-01",
        country="BR", on=date(2022, 5, 1), topic="legality", kind="market",
        source="Portaria Inmetro 55/2014 (2014), replaced by Portaria 145/2022 on 2022-05-02",
        schemes=("ISO_9001", "INMETRO_AUTO"), source_says="55/2014",
    ),
    LegalityCase(
        id="BR-inmetro-portaria-145-2022-from-2022-05-02",
        country="BR", on=date(2022, 5, 2), topic="legality", kind="market",
        source="Portaria Inmetro 145 (2022-03-28), effective 2022-05-02",
        schemes=("ISO_9001", "INMETRO_AUTO"), source_says="145",
    ),
    LegalityCase(
        id="ZA-headlamp-needs-nrcs-letter-of-authority-2025",
        country="ZA", on=date(2025, 3, 1), topic="legality", kind="market", category="headlamp",
        source="National Regulator for Compulsory Specifications Act 5 of 2008 (2008-09-04), s. 14",
        schemes=("ISO_9001", "NRCS_LOA"),
    ),
    LegalityCase(
        id="IN-brake-pads-need-cmvr-component-approval-2025",
        country="IN", on=date(2025, 3, 1), topic="legality", kind="market",
        source="Central Motor Vehicles Rules 1989 (1989-06-02) rule 124, component type approval",
        schemes=("ISO_9001", "IN_CMVR_AIS"),
    ),
    LegalityCase(
        id="GB-brake-linings-r90-2019",
        country="GB", on=date(2019, 3, 1), topic="legality", kind="market",
        source="The Road Vehicles (Brake Linings Safety) Regulations 1999 (SI 1999/2978)",
        schemes=("ISO_9001", "ECE_R90"),
    ),
    # --- the quotable set's new countries: their base orders rows ----------------------------
    # CH 2024-03-01, alternator 8511.50: industrial tariffs abolished on 2024-01-01, so the
    # duty is 0 % and the import VAT 8.1 % (MWSTG art. 25 as raised on 2024-01-01).
    LegalityCase(
        id="CH-no-industrial-duty-2024",
        country="CH", on=date(2024, 3, 1), topic="legality", kind="priced", currency="CHF", hs_code="8511.50",
        source="Customs Tariff Act (SR 632.10) amendment of 2021-10-01, in force 2024-01-01; MWSTG art. 25 (8.1 %)",
        duty_rate=Decimal("0"), vat_rate=Decimal("0.081"),
    ),
    # NO 2025-05-01, brake pads 8708.30: tolltariffen duty-free industrial goods, MVA 25 %.
    LegalityCase(
        id="NO-duty-free-vat-25-2025",
        country="NO", on=date(2025, 5, 1), topic="legality", kind="priced", currency="NOK",
        source="Tolltariffen 2025 (chapters 84, 85, 87 duty-free); Merverdiavgiftsloven (2009-06-19) § 5-1, 25 %",
        duty_rate=Decimal("0"), vat_rate=Decimal("0.25"),
    ),
    # IN 2025-06-01, brake pads 8708.30: BCD 15 % + social welfare surcharge 10 % of it (1.5 %)
    # = 16.5 % stacked; IGST 28 % before the GST rate change of 2025-09-22.
    LegalityCase(
        id="IN-bcd-plus-sws-igst-28-2025-06",
        country="IN", on=date(2025, 6, 1), topic="legality", kind="priced", currency="INR",
        source="Customs Tariff Act 1975 First Schedule (8708: 15 %); Finance Act 2018 (2018-03-29) s.110 SWS",
        duty_rate=Decimal("0.165"), vat_rate=Decimal("0.28"),
    ),
    # IN 2025-10-01: the same duty, IGST 18 % after the 56th GST Council's change (2025-09-22).
    LegalityCase(
        id="IN-igst-18-after-2025-09-22",
        country="IN", on=date(2025, 10, 1), topic="legality", kind="priced", currency="INR",
        source="56th GST Council meeting (2025-09-03), rates effective 2025-09-22: 8708 from 28 % to 18 %",
        duty_rate=Decimal("0.165"), vat_rate=Decimal("0.18"),
    ),
    # ID 2025-06-01, brake pads 8708.30: duty 10 % (simplified), PPN 11 %.
    LegalityCase(
        id="ID-duty-10-ppn-11-2025",
        country="ID", on=date(2025, 6, 1), topic="legality", kind="priced", currency="IDR",
        source="BTKI 2022 (PMK 26/2022), 8708 simplified to 10 %; Law 7/2021 (2021-10-29) VAT 11 %",
        duty_rate=Decimal("0.10"), vat_rate=Decimal("0.11"),
    ),
    # A restricted destination is refused by the price itself (estimates and quotes alike).
    LegalityCase(
        id="KP-priced-refused-2025",
        country="KP", on=date(2025, 6, 1), topic="legality", kind="priced",
        source="UN Security Council resolution 2397 (2017-12-22) para 7",
        expect="DESTINATION_RESTRICTED",
    ),
]  # fmt: skip
