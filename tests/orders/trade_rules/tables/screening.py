"""Sanctions screening of the consignee's names at placeOrder, against the UN Security Council
Consolidated List (services/orders/data/sanctions/un_consolidated.xml, an extract of 2026-12-04).

`held` is the expected outcome; `reference` the entry a held case matches. The score for each is
worked out in the comment: names are normalised (accents, case, punctuation, legal-form words
such as CORP / CO LTD / GMBH dropped), then rapidfuzz's token_sort_ratio, 100 when every word of
a listed name is in the screened one; held at 90 or more (services/orders/screening/matching.py).
An entry applies from its LISTED_ON date: a sale before it is not held for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tests.orders.trade_rules.cases import TradeCase

KOMID = "UN SC Consolidated List (1718 Committee) KPe.001, listed 2009-04-24; extract of 2026-12-04"
RYONBONG = "UN SC Consolidated List (1718 Committee) KPe.002, listed 2009-04-24; extract of 2026-12-04"
TANCHON = "UN SC Consolidated List (1718 Committee) KPe.003, listed 2009-04-24; extract of 2026-12-04"
RI_JE_SON = "UN SC Consolidated List (1718 Committee) KPi.002, listed 2009-07-16; extract of 2026-12-04"
HWANG = "UN SC Consolidated List (1718 Committee) KPi.003, listed 2009-07-16; extract of 2026-12-04"
WHOLE_LIST = "UN SC Consolidated List, extract of 2026-12-04 (KPe.001-003, KPi.002-003)"


@dataclass(frozen=True, kw_only=True)
class ScreeningCase(TradeCase):
    topic: str = "screening"
    name: str
    company: str = ""
    held: bool
    reference: str | None = None
    score: float | None = None


CASES: list[ScreeningCase] = [
    # "Korea Mining Development Trading Corp." -> "korea mining development trading", the listed
    # name without CORPORATION: equal, 100.
    ScreeningCase(
        id="DE-2025-komid-company", country="DE", on=date(2025, 6, 2), source=KOMID,
        name="Kim Chol", company="Korea Mining Development Trading Corp.", held=True, reference="KPe.001", score=100.0,
    ),
    # The alias KOMID (one word: only a close whole-word ratio counts): "komid" == "komid", 100.
    ScreeningCase(
        id="AE-2024-komid-alias", country="AE", on=date(2024, 3, 11), source=KOMID,
        name="Omar Haddad", company="KOMID Ltd", held=True, reference="KPe.001", score=100.0,
    ),
    # More words around the listed name (an office): every listed word present, 100.
    ScreeningCase(
        id="CN-2023-komid-office", country="CN", on=date(2023, 9, 18), source=KOMID,
        name="Zhang Wei", company="Korea Mining Development Trading Corporation Dandong Office", held=True,
        reference="KPe.001", score=100.0,
    ),
    # Transliteration RYONGBONG for RYONBONG: "general korea ryongbong" against "general korea
    # ryonbong" (words sorted), 23 and 22 characters, one inserted: 1 - 1/45 = 97.8.
    ScreeningCase(
        id="RU-2022-ryonbong-variant", country="RU", on=date(2022, 5, 20), source=RYONBONG,
        name="Ivan Petrov", company="Korea Ryongbong General Corporation", held=True, reference="KPe.002",
        score=97.8,
    ),
    # The McCune-Reischauer apostrophe joins: "tanch'on" -> "tanchon", 100.
    ScreeningCase(
        id="MY-2021-tanchon-apostrophe", country="MY", on=date(2021, 2, 8), source=TANCHON,
        name="Ahmad Faiz", company="Tanch'on Commercial Bank", held=True, reference="KPe.003", score=100.0,
    ),
    # Family name last, syllables joined: "jeson ri" against "ri jeson" (hyphen joined), sorted equal, 100.
    ScreeningCase(
        id="TH-2020-ri-je-son-reordered", country="TH", on=date(2020, 11, 30), source=RI_JE_SON,
        name="Jeson Ri", held=True, reference="KPi.002", score=100.0,
    ),
    # Diacritic: "Hwang Sŏk-hwa" NFKD without the breve is "hwang sok hwa", 100.
    ScreeningCase(
        id="SG-2019-hwang-diacritic", country="SG", on=date(2019, 7, 1), source=HWANG,
        name="Hwang Sŏk-hwa", held=True, reference="KPi.003", score=100.0,
    ),
    # The day before KPe.001 was listed (2009-04-24) its name is no match yet.
    ScreeningCase(
        id="CN-2009-before-listing", country="CN", on=date(2009, 4, 23), source=KOMID,
        name="Li Na", company="Korea Mining Development Trading Corporation", held=False,
    ),
    # Ordinary names near the listed ones, all under 90:
    # "korea general trading" against "korea ryonbong general": 79.1.
    ScreeningCase(
        id="KR-2025-korea-general-trading", country="KR", on=date(2025, 1, 15), source=WHOLE_LIST,
        name="Park Ji-hoon", company="Korea General Trading Co., Ltd.", held=False,
    ),
    # "tianjin commercial bank" against "tanchon commercial bank": 87.0.
    ScreeningCase(
        id="CN-2024-tianjin-bank", country="CN", on=date(2024, 8, 5), source=WHOLE_LIST,
        name="Wang Fang", company="Tianjin Commercial Bank Co Ltd", held=False,
    ),
    # "hwang seok min" against "hwang sok hwa": 66.7.
    ScreeningCase(
        id="KR-2023-hwang-seok-min", country="KR", on=date(2023, 4, 3), source=HWANG,
        name="Hwang Seok-min", company="Seoul Auto Parts", held=False,
    ),
    # A garage and its owner in Munich: nothing near any entry.
    ScreeningCase(
        id="DE-2022-ordinary-garage", country="DE", on=date(2022, 10, 12), source=WHOLE_LIST,
        name="Jana Becker", company="Autohaus Becker GmbH", held=False,
    ),
    # "Komi Parts" (two words) against KOMID (one word, 5 letters): "komiparts" ratio 57, under 95.
    ScreeningCase(
        id="GB-2021-komi-parts", country="GB", on=date(2021, 6, 14), source=KOMID,
        name="Oliver Smith", company="Komi Parts Ltd", held=False,
    ),
]  # fmt: skip
