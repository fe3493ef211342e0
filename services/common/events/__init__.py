"""Events between services: a transactional outbox per database, relayed to NATS JetStream,
and durable consumers that apply each event once.

    tables = event_tables(CatalogTable.metadata, source="catalog")   # in a service's models
    tables.record(session, "part.updated", aggregate_id=part.id, data={...})  # in its transaction

The worker (`tongnan worker`) runs the relays and the consumers.
"""

from services.common.events.consumer import ConsumerRunner, Event, Subscription
from services.common.events.relay import OutboxRelay
from services.common.events.tables import EventTables, event_tables
from services.common.events.types import EVENT_VERSIONS, subject_for

__all__ = [
    "EVENT_VERSIONS",
    "ConsumerRunner",
    "Event",
    "EventTables",
    "OutboxRelay",
    "Subscription",
    "event_tables",
    "subject_for",
]
