"""The statuses of orders, their payments and lines, returns, screening and webhook deliveries, as
stored in their columns.

StrEnums: each member is its string, so rows, events and API responses carry the same values
the columns always held, and a member compares equal to the string read back from the database.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    # RESERVING: the first step of placeOrder's saga, committed before the catalog is asked for
    # stock, so a placeOrder that dies after reserving leaves a row its retry (or the reconcile
    # job) finishes from. The public API shows it as PENDING_PAYMENT: the order is not payable yet.
    RESERVING = "RESERVING"
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    FAILED = "FAILED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    # The payment's amount or currency is not the order's: held for an admin, never PAID. The
    # order stays PENDING_PAYMENT; cancelling it gives back whatever was taken.
    REVIEW = "REVIEW"
    # A part of the order may no longer be sold in its destination (a certificate suspended or
    # revoked): payment cannot proceed until it may again (services/orders/checkout/market_holds.py).
    HELD = "HELD"


class LineStatus(StrEnum):
    PENDING = "PENDING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class CoreReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    ACCEPTED = "ACCEPTED"
    PARTLY_ACCEPTED = "PARTLY_ACCEPTED"
    REJECTED = "REJECTED"


class PartReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SHIPPED_BACK = "SHIPPED_BACK"
    REFUNDED = "REFUNDED"
    REPLACEMENT_PENDING = "REPLACEMENT_PENDING"
    REPLACED = "REPLACED"


class ScreeningStatus(StrEnum):
    """Sanctions screening of an order's parties (services/orders/screening)."""

    CLEAR = "CLEAR"
    # A potential match waits for an admin: the order is not released to its suppliers nor shipped.
    HELD = "HELD"
    CLEARED = "CLEARED"
    CONFIRMED = "CONFIRMED"


class WebhookDeliveryStatus(StrEnum):
    """An order event's delivery to one integrator's endpoint."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
