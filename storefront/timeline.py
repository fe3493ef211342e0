"""An order's status history as sentences a buyer reads, in the page's language.

The API gives each change as its status, when, and a reason meant for people who run the shop
(`payment_intent.succeeded`, `DHL JD014600003`, `no payment within the time allowed`). Here each
becomes one sentence ("Paid by card", "Shipped: DHL JD014600003"); a reason that says nothing
to a buyer is left out, one that does picks the sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Translate = Callable[..., str]


def N_(text: str) -> str:
    """Marks a text for translation where it is written (tests/storefront/test_i18n.py finds
    it); it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class Step:
    at: str  # ISO 8601, UTC
    sentence: str


def _cancelled(reason: str) -> str:
    why = reason.lower()
    if "by the buyer" in why:
        return N_("Cancelled at your request")
    if "by an admin" in why:
        return N_("Cancelled by our staff")
    if "abandon" in why:
        return N_("Cancelled: the checkout did not finish")
    if "out of stock" in why:
        return N_("Cancelled: the parts sold out before the payment arrived; the payment is refunded")
    if "time allowed" in why or "expired" in why or "lapsed" in why:
        return N_("Cancelled: no payment arrived in time")
    if "failed" in why or "declined" in why or "canceled" in why:
        return N_("Cancelled: the card payment did not go through")
    return N_("The order was cancelled")


def sentence(status: str, reason: str | None) -> tuple[str, dict[str, str]]:
    """The English sentence (a key of the storefront's translations) and its values."""
    reason = reason or ""
    if status == "PENDING_PAYMENT":
        return N_("Order placed; waiting for the card payment"), {}
    if status == "PAID":
        return N_("Paid by card"), {}
    if status == "SHIPPED":
        if reason:
            return N_("Shipped from Tongnan: {shipment}"), {"shipment": reason}
        return N_("Shipped from Tongnan"), {}
    if status == "DELIVERED":
        return N_("Delivered to you"), {}
    if status == "COMPLETED":
        return N_("Completed: nothing more to do"), {}
    if status == "CANCELLED":
        return _cancelled(reason), {}
    if status == "REFUNDED":
        return N_("Refunded in full"), {}
    if status == "PARTIALLY_REFUNDED":
        return N_("Partly refunded"), {}
    return status, {}


# How a card dispute ended, from the buyer's side (Stripe's closed statuses).
DISPUTE_CLOSED = {
    "won": N_("The card dispute was decided in the shop's favour"),
    "lost": N_("The card dispute was decided in your favour"),
    "warning_closed": N_("Your bank's inquiry about the payment was closed"),
}


def dispute_steps(dispute: dict[str, Any]) -> list[tuple[str, str]]:
    """A dispute's opening, and its end once it has one, as (when, English sentence)."""
    steps = [(str(dispute["createdAt"]), N_("Your bank disputed the card payment"))]
    closed = DISPUTE_CLOSED.get(str(dispute["status"]))
    if closed is not None:
        steps.append((str(dispute["updatedAt"]), closed))
    return steps


def timeline(
    history: list[dict[str, Any]], translate: Translate, disputes: list[dict[str, Any]] | None = None
) -> list[Step]:
    steps = []
    for change in history:
        text, values = sentence(str(change["status"]), change.get("reason"))
        steps.append(Step(at=str(change["at"]), sentence=translate(text, **values)))
    for dispute in disputes or []:
        steps.extend(Step(at=at, sentence=translate(text)) for at, text in dispute_steps(dispute))
    # ISO 8601 times in UTC sort as text.
    return sorted(steps, key=lambda step: step.at)
