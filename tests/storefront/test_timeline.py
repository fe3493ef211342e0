"""The order page's history in words: each status change a sentence in the page's language."""

from __future__ import annotations

from functools import partial
from typing import Any

from storefront import i18n
from storefront.timeline import timeline

HISTORY: list[dict[str, Any]] = [
    {"status": "PENDING_PAYMENT", "at": "2026-12-04T09:00:00+00:00", "reason": None},
    {"status": "PAID", "at": "2026-12-04T09:01:00+00:00", "reason": "payment_intent.succeeded"},
    {"status": "SHIPPED", "at": "2026-12-05T10:00:00+00:00", "reason": "DHL JD014600003"},
    {"status": "DELIVERED", "at": "2026-12-09T15:00:00+00:00", "reason": None},
]


def sentences(history: list[dict[str, Any]], locale: str) -> list[str]:
    return [step.sentence for step in timeline(history, partial(i18n.translate, locale))]


def test_the_history_reads_as_sentences_in_the_pages_language() -> None:
    assert sentences(HISTORY, "en") == [
        "Order placed; waiting for the card payment",
        "Paid by card",
        "Shipped from Tongnan: DHL JD014600003",
        "Delivered to you",
    ]
    assert sentences(HISTORY, "de")[1:3] == ["Mit Karte bezahlt", "Aus Tongnan versandt: DHL JD014600003"]
    assert sentences(HISTORY, "zh")[1] == "已通过银行卡付款"


def test_a_cancellation_says_why_in_words_a_buyer_understands() -> None:
    def why(reason: str) -> str:
        return sentences([{"status": "CANCELLED", "at": "2026-12-04T09:00:00+00:00", "reason": reason}], "en")[0]

    assert why("cancelled by the buyer") == "Cancelled at your request"
    assert why("no payment within the time allowed") == "Cancelled: no payment arrived in time"
    assert why("payment_intent.payment_failed") == "Cancelled: the card payment did not go through"
    assert why("paid after the reservation lapsed; out of stock") == (
        "Cancelled: the parts sold out before the payment arrived; the payment is refunded"
    )
    assert why("checkout abandoned: placeOrder did not finish") == "Cancelled: the checkout did not finish"
    assert why("") == "The order was cancelled"
