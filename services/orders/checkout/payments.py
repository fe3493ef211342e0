"""The one Stripe client of the orders service: every SDK call goes through `StripePayments`.

The same code talks to localstripe in development and tests and to Stripe in production;
only the base URL and keys differ. Every money-moving call carries an idempotency key built
from our own ids (`order-<id>-intent`, `order-<id>-confirm-<pm>`, `refund-<reference>`), and
our order id travels in `metadata`. localstripe ignores Idempotency-Key, so the callers keep
their own idempotency too (the order row remembers its intent; refunds have a unique reference).

The calls are synchronous on purpose: the service's routes are plain `def` functions run in the
threadpool with a synchronous database session, so an async SDK call would only add a hop.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import stripe

from services.common.errors import BadInput, Conflict, DomainError, UpstreamUnavailable
from services.orders.settings import OrdersSettings

log = logging.getLogger(__name__)

# Pinned, so a change of the account's default version never changes what we parse.
STRIPE_API_VERSION = "2026-10-28.endive"  # the version stripe 16.1 is generated from


class PaymentDeclined(DomainError):
    status, code, title = 402, "PAYMENT_DECLINED", "The card was declined"


class PaymentProviderRefused(Conflict):
    code, title = "PAYMENT_PROVIDER_REFUSED", "The payment provider refused the request"


class UnknownToProvider(PaymentProviderRefused):
    """The provider has no such object: an intent made on a localstripe that has since restarted."""

    code = "UNKNOWN_TO_PAYMENT_PROVIDER"


class PaymentMismatch(Conflict):
    code, title = "PAYMENT_MISMATCH", "The payment does not match the order"


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None
    order_id: str | None
    # What the provider actually took: Stripe's `amount_received` (localstripe, which has no
    # such field, takes the whole amount when an intent succeeds).
    amount_received: int = 0

    def took(self, amount: int, currency: str) -> bool:
        """Whether the money received is exactly `amount` of `currency`."""
        return self.currency == currency.upper() and self.amount_received == amount


def intent_from(obj: dict[str, Any]) -> Intent:
    """A PaymentIntent as the API (or a signed event's `data.object`) gives it."""
    metadata = obj.get("metadata") or {}
    status, amount = str(obj["status"]), int(obj["amount"])
    received = obj.get("amount_received")
    return Intent(
        id=str(obj["id"]),
        status=status,
        amount=amount,
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret"),
        order_id=metadata.get("order_id"),
        amount_received=int(received) if received is not None else (amount if status == "succeeded" else 0),
    )


def _intent(resource: Any) -> Intent:
    return intent_from(resource.to_dict())


class StripePayments:
    def __init__(self, settings: OrdersSettings) -> None:
        assert settings.stripe_secret_key is not None  # filled by the settings validator
        self.client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            base_addresses={"api": settings.stripe_api_base},
            stripe_version=STRIPE_API_VERSION,
            max_network_retries=2,
            http_client=stripe.HTTPXClient(timeout=settings.stripe_timeout_seconds, allow_sync_methods=True),
        )
        self.publishable_key = settings.stripe_publishable_key
        assert settings.stripe_webhook_secret is not None
        self.webhook_secret = settings.stripe_webhook_secret.get_secret_value()

    # --- errors ----------------------------------------------------------------------------

    @staticmethod
    def _fail(exc: stripe.StripeError, what: str, *, payment_method: bool = False) -> DomainError:
        """Our error for a failed call. Only where the buyer's payment method is the call's input
        (`payment_method`) can a refusal be the buyer's mistake, named on `paymentMethodId`."""
        if isinstance(exc, stripe.CardError):
            return PaymentDeclined(exc.user_message or "the card was declined", field="paymentMethodId")
        if isinstance(exc, stripe.APIConnectionError):
            return UpstreamUnavailable(f"the payment provider could not be reached ({what})")
        status = exc.http_status or 0
        log.warning("stripe %s failed: %s %s", what, status, exc)
        if status == 404 and payment_method:
            return BadInput(f"the payment provider does not know this payment method ({what})", field="paymentMethodId")
        if status == 404:
            return UnknownToProvider(f"the payment provider does not know this payment ({what})")
        if 400 <= status < 500:
            return PaymentProviderRefused(f"the payment provider refused the request ({what})")
        return UpstreamUnavailable(f"the payment provider failed ({what})")

    # --- PaymentIntents ---------------------------------------------------------------------

    def create_intent(self, *, order_id: str, buyer_id: str, amount: int, currency: str) -> Intent:
        try:
            obj = self.client.v1.payment_intents.create(
                params={  # type: ignore[typeddict-unknown-key]
                    "amount": amount,
                    "currency": currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"order_id": order_id, "buyer_id": buyer_id},
                },
                options={"idempotency_key": f"order-{order_id}-intent"},
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "create payment intent") from None
        return _intent(obj)

    def retrieve_intent(self, intent_id: str) -> Intent:
        try:
            return _intent(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as exc:
            raise self._fail(exc, "retrieve payment intent") from None

    def pay(self, *, intent_id: str, order_id: str, payment_method_id: str, amount: int, currency: str) -> Intent:
        """Set the buyer's payment method on the intent, then confirm it on the server; never
        an intent whose amount or currency is no longer the order's (`PaymentMismatch`)."""
        try:
            current = self.client.v1.payment_intents.retrieve(intent_id)
            if int(current["amount"]) != amount or str(current["currency"]).upper() != currency.upper():
                raise PaymentMismatch(
                    f"the payment asks {current['amount']} {str(current['currency']).upper()}"
                    f" for an order of {amount} {currency.upper()}"
                )
            if current["status"] in ("requires_payment_method", "requires_confirmation"):
                if current["payment_method"] != payment_method_id:
                    self.client.v1.payment_intents.update(
                        intent_id,
                        params={"payment_method": payment_method_id},
                        options={"idempotency_key": f"order-{order_id}-pm-{payment_method_id}"},
                    )
                obj = self.client.v1.payment_intents.confirm(
                    intent_id, options={"idempotency_key": f"order-{order_id}-confirm-{payment_method_id}"}
                )
            else:
                obj = current
        except stripe.StripeError as exc:
            raise self._fail(exc, "confirm payment", payment_method=True) from None
        return _intent(obj)

    def cancel_intent(self, intent_id: str, *, order_id: str) -> Intent:
        """Cancel an intent that can still be cancelled; answers its state either way."""
        try:
            current = self.client.v1.payment_intents.retrieve(intent_id)
            if current["status"] in ("requires_payment_method", "requires_confirmation", "requires_action"):
                current = self.client.v1.payment_intents.cancel(
                    intent_id, options={"idempotency_key": f"order-{order_id}-cancel"}
                )
        except stripe.StripeError as exc:
            raise self._fail(exc, "cancel payment intent") from None
        return _intent(current)

    # --- SetupIntents and refunds -----------------------------------------------------------

    def create_setup_intent(self, *, buyer_id: str) -> tuple[str, str]:
        try:
            obj = self.client.v1.setup_intents.create(
                params={"usage": "on_session", "payment_method_types": ["card"], "metadata": {"buyer_id": buyer_id}},  # type: ignore[arg-type]
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "create setup intent") from None
        return str(obj["id"]), str(obj["client_secret"])

    def refund(self, *, intent_id: str, amount: int, reference: str, order_id: str) -> str:
        try:
            obj = self.client.v1.refunds.create(
                params={
                    "payment_intent": intent_id,
                    "amount": amount,
                    "metadata": {"order_id": order_id, "reference": reference},
                },
                options={"idempotency_key": f"refund-{reference}"},
            )
        except stripe.StripeError as exc:
            raise self._fail(exc, "refund") from None
        return str(obj["id"])

    def refunded_total(self, intent_id: str) -> int:
        """What Stripe has refunded on this intent so far (all refunds, minor units)."""
        try:
            refunds = self.client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
        except stripe.StripeError as exc:
            raise self._fail(exc, "list refunds") from None
        return sum(int(r["amount"]) for r in refunds.data)

    # --- webhooks ---------------------------------------------------------------------------

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if the signature is Stripe's (or localstripe's) for our secret; raises otherwise."""
        stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret, tolerance=300)
        event = json.loads(payload)
        if not isinstance(event, dict):
            raise ValueError("a Stripe event is a JSON object")
        return event

    def close(self) -> None:
        return None
