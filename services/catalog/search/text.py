"""Text analysis for the catalog search index, identical on SQLite and PostgreSQL.

English: words of letters and digits, lower-cased, Snowball-stemmed, a few stop words dropped.
Latin letters are folded first (`Stoßdämpfer` -> `stossdampfer`, `Einspritzdüse` ->
`einspritzduse`), so German words are whole tokens whether typed with or without umlauts;
compounds are not split, so a German part name is found through the whole word (the category
synonyms in `data/synonyms.json` list them whole). Chinese (and other CJK) text has no spaces,
so every run of CJK characters becomes its overlapping character bigrams (`发电机` -> `发电`,
`电机`); a one-character run is kept as a unigram. A query is analysed the same way and all its
terms must match, so a two-character word (`水泵`) is one exact term and a longer word is the
conjunction of its bigrams, the scheme of Lucene's CJKAnalyzer. Each (term, part) posting
carries a precomputed BM25-style weight of the term in that part, so ranking needs no scan
over every match.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

MAX_TERM_LENGTH = 40
MAX_SCORE = 32767  # fits SMALLINT
# Weights are stored in coarse steps of 0.5 (a title word ~5, a description word ~1-2). Finer
# scores would order a word's postings by title length, which follows the category (`飞轮` is
# shorter than `发电机`), so the best postings of one word would systematically lack another
# word ("alternator golf"); with coarse steps equally relevant parts tie and the newest lead.
SCORE_STEPS_PER_UNIT = 2

_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOP = frozenset(
    ("a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to", "with")
)
_stemmer = snowballstemmer.stemmer("english")

# Field weights and average lengths (in terms) used by the BM25 length normalisation.
K1 = 1.2
B = 0.75
FIELDS: dict[str, tuple[float, float]] = {
    "title": (3.0, 8.0),
    "brand": (2.0, 2.0),
    "description": (1.0, 30.0),
    # The category's names in every language (data/synonyms.json): found, but below the title.
    "category": (1.0, 12.0),
}


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))[:MAX_TERM_LENGTH]


def _is_cjk(token: str) -> bool:
    return token[0] >= "\u3400"


def fold(text: str) -> str:
    """Lower case without accents: `Stoßdämpfer` -> `stossdampfer`; CJK and full-width forms
    are normalised by NFKC-like decomposition (`Ａ１` -> `a1`), nothing else changes."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def analyse(text: str | None) -> list[str]:
    """Terms of a text in order, with repeats (so term frequencies can be counted)."""
    if not text:
        return []
    terms: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        if _is_cjk(token):
            if len(token) == 1:
                terms.append(token)
            else:
                terms.extend(token[i : i + 2] for i in range(len(token) - 1))
        elif token not in _STOP:
            terms.append(_stem(token))
    return terms


@lru_cache(maxsize=4096)
def _analysed_once(text: str) -> tuple[str, ...]:
    return tuple(analyse(text))


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in order."""
    return list(dict.fromkeys(analyse(text)))


def weights(fields: dict[str, Iterable[str | None]]) -> dict[str, int]:
    """term -> integer weight of the term in one part (BM25 term-frequency part, summed over fields).

    `fields` maps a field name of FIELDS to its texts (English and Chinese of the same field).
    """
    total: dict[str, float] = {}
    for name, texts in fields.items():
        boost, average = FIELDS[name]
        # Category names repeat on every part of the category: analysed once per process.
        terms = [t for text in texts for t in (_analysed_once(text) if name == "category" and text else analyse(text))]
        if not terms:
            continue
        norm = K1 * (1 - B + B * len(terms) / average)
        for term, tf in Counter(terms).items():
            total[term] = total.get(term, 0.0) + boost * tf * (K1 + 1) / (tf + norm)
    return {t: max(1, min(MAX_SCORE, round(w * SCORE_STEPS_PER_UNIT))) for t, w in total.items()}


def idf(doc_count: int, df: int) -> int:
    """Integer BM25 idf (x100) of a term found in `df` of `doc_count` documents."""
    n = max(doc_count, df, 1)
    return max(1, round(100 * math.log(1 + (n - df + 0.5) / (df + 0.5))))
