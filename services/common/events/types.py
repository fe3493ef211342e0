"""Every event the marketplace publishes, with the version of its payload.

A consumer reads `version` before `data`: a change that removes or renames a field is a new
version, published beside the old one until no consumer reads the old. The README's
"Events" section documents each payload.
"""

from __future__ import annotations

EVENT_VERSIONS: dict[str, int] = {
    # catalog
    "part.created": 1,
    "part.updated": 1,
    "part.delisted": 1,
    "stock.changed": 1,
    "part.markets_changed": 1,
    # certification
    "certificate.approved": 1,
    "certificate.suspended": 1,
    "certificate.revoked": 1,
    "certificate.expiring": 1,
    "market_rules.changed": 1,
    # orders
    "order.created": 1,
    "order.placed": 1,
    "order.paid": 1,
    "order.shipped": 1,
    "order.delivered": 1,
    "order.completed": 1,
    "order.cancelled": 1,
    "order.refunded": 1,
    "core_return.requested": 1,
    "core_return.received": 1,
    "core_return.resolved": 1,
    "part_return.requested": 1,
    "part_return.updated": 1,
    "payout.created": 1,
    "fx.rates_updated": 1,
}

# Every event is published on `tongnan.<type>`; a dead letter sent back to one consumer on
# `tongnan.replay.<consumer>`, which only that consumer reads.
SUBJECT_PREFIX = "tongnan."
REPLAY_PREFIX = "tongnan.replay."


def subject_for(event_type: str) -> str:
    return SUBJECT_PREFIX + event_type


def replay_subject(consumer: str) -> str:
    return REPLAY_PREFIX + consumer
