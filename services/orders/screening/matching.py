"""Names against the consolidated lists: normalised, compared with rapidfuzz, scored 0-100.

Normalising (for matching only; what the buyer typed is kept as typed): NFKD, accents dropped,
casefolded, apostrophes and dots dropped (TANCH'ON, S.A.), other punctuation and hyphens
to spaces (or hyphens dropped: JE-SON as JESON, both are tried), and legal-form words (CO, LTD, LLC, CORP,
CORPORATION, GMBH ...) left out, so "Korea Mining Development Trading Corp." and
"KOREA MINING DEVELOPMENT TRADING CORPORATION" are the same words.

A screened name scores against each name and alias of an entry:
- `token_sort_ratio`: the words in any order, each spelling difference costing a little
  (reordered names, transliteration variants like RYONBONG / RYONGBONG, a typo);
- 100 when every word of a listed name of two or more words is in the screened name (the
  listed name with more words around it: "... Trading Corporation, Dandong Office"). Not the
  other way round: "Korea Trading" is not KOMID because both say KOREA and TRADING.
- a name of one word (KOMID), or shorter than `SHORT` letters, only by `ratio` on the whole
  word and never below `SHORT_CUTOFF`, so a short name does not match everything near it;
  a one-word listed name of `WORD_NAME` letters or more also scores 100 as a whole word of the
  screened name ("KOMID Trading").

`CUTOFF` was chosen from the labelled set in tests/orders/unit/test_screening_matching.py:
the lowest true match there scores 90.0 (an abbreviated "Korea Ryonbong Gen Corp"), the
highest non-match 89.4 (Tangshan Commercial Bank against TANCHON COMMERCIAL BANK). The margin is
thin: a lower cut-off holds more ordinary orders for review, a higher one lets
abbreviated listed names through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from services.orders.screening.lists import ListedParty, SanctionsList

CUTOFF = 90.0
SHORT = 4  # letters: a normalised name shorter than this is never screened fuzzily
SHORT_CUTOFF = 95.0
WORD_NAME = 5  # letters: a one-word listed name this long matches as a word of a longer name

LEGAL_FORMS = frozenset(
    [
        "co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp",
        "plc", "pty", "pte", "gmbh", "ag", "kg", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as", "oy",
        "kk", "sdn", "bhd", "jsc", "ojsc", "pjsc", "ooo", "zao", "tbk", "cv",
    ]
)  # fmt: skip
_NOT_WORD = re.compile(r"[^\w]+|_")
_HYPHENS = re.compile("[-\u2010\u2011\u2012\u2013]")
# Apostrophes of romanised Korean and Chinese (TANCH'ON, Xi'an) and the dots of an abbreviation
# (S.A., K.K.) join a word, never split it.
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u02bb`.]")


def normalise(name: str, *, join_hyphens: bool = False) -> str:
    """The words of `name` as matching sees them, in their order. With `join_hyphens` the
    syllables of a hyphenated name are one word (JE-SON as JESON), as they are often written."""
    decomposed = unicodedata.normalize("NFKD", name)
    if join_hyphens:
        decomposed = _HYPHENS.sub("", decomposed)
    plain = _APOSTROPHES.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)).casefold())
    words = [w for w in _NOT_WORD.split(plain) if w and w not in LEGAL_FORMS]
    return " ".join(words)


def score(screened: str, listed: str) -> float:
    """0-100: how alike two names are once normalised (see the module's rules), the better of
    hyphens splitting words and hyphens joining syllables."""
    return max(
        _score(normalise(screened), normalise(listed)),
        _score(normalise(screened, join_hyphens=True), normalise(listed, join_hyphens=True)),
    )


def _score(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    a_words, b_words = a.split(), b.split()
    if len(b_words) == 1 and len(b) >= WORD_NAME and b in a_words:
        return 100.0  # a one-word listed name as a word of the screened name: "KOMID Trading"
    if len(b_words) == 1 or len(b.replace(" ", "")) < SHORT or len(a.replace(" ", "")) < SHORT:
        # A one-word or very short name: the whole word, closely, or nothing.
        if min(len(a.replace(" ", "")), len(b.replace(" ", ""))) < SHORT:
            return 0.0
        value = float(fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
        return value if value >= SHORT_CUTOFF else 0.0
    if len(b_words) >= 2 and set(b_words) <= set(a_words):
        return 100.0
    return float(fuzz.token_sort_ratio(a, b))


@dataclass(frozen=True)
class Match:
    list_code: str
    list_name: str
    list_published: date
    reference: str
    listed_name: str
    matched_name: str  # the listed name or the alias that scored
    screened_name: str
    role: str  # BUYER or CONSIGNEE
    score: float

    def as_json(self) -> dict[str, object]:
        return {
            "list": self.list_code,
            "list_name": self.list_name,
            "list_published": self.list_published.isoformat(),
            "reference": self.reference,
            "listed_name": self.listed_name,
            "matched_name": self.matched_name,
            "screened_name": self.screened_name,
            "role": self.role,
            "score": round(self.score, 1),
        }


def _best(name: str, party: ListedParty) -> tuple[float, str]:
    return max(((score(name, listed), listed) for listed in party.names), key=lambda pair: pair[0])


def screen(
    names: Iterable[tuple[str, str]],
    lists: Iterable[SanctionsList],
    *,
    on: date,
    cutoff: float = CUTOFF,
) -> list[Match]:
    """Each (role, name) against every entry listed on or before `on`; the candidate matches,
    best first (one per screened name and entry)."""
    wanted = [(role, name.strip()) for role, name in names if name and name.strip()]
    found: list[Match] = []
    for sanctions_list in lists:
        for party in sanctions_list.parties:
            if party.listed_on is not None and party.listed_on > on:
                continue
            for role, name in wanted:
                value, matched = _best(name, party)
                if value >= cutoff:
                    found.append(
                        Match(
                            list_code=sanctions_list.code,
                            list_name=sanctions_list.name,
                            list_published=sanctions_list.published,
                            reference=party.reference,
                            listed_name=party.listed_name,
                            matched_name=matched,
                            screened_name=name,
                            role=role,
                            score=value,
                        )
                    )
    return sorted(found, key=lambda m: (-m.score, m.reference, m.role))
