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


def test_a_card_dispute_takes_its_place_in_the_history_and_says_how_it_ended() -> None:
    dispute = {"status": "lost", "reason": "product_not_received", "createdAt": "2026-12-07T08:00:00+00:00"}
    closed = {**dispute, "updatedAt": "2026-12-20T12:00:00+00:00"}
    steps = timeline(HISTORY, partial(i18n.translate, "en"), [closed])
    assert [(step.at[:10], step.sentence) for step in steps][2:] == [
        ("2026-12-05", "Shipped from Tongnan: DHL JD014600003"),
        ("2026-12-07", "Your bank disputed the card payment"),
        ("2026-12-09", "Delivered to you"),
        ("2026-12-20", "The card dispute was decided in your favour"),
    ]
    open_one = {**closed, "status": "needs_response"}
    assert [s.sentence for s in timeline([], partial(i18n.translate, "zh"), [open_one])] == [
        "您的发卡银行对该笔银行卡付款提出了争议"
    ]
