"""Every consumer the worker runs, with the database whose inbox it keeps."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.events import EventTables, Subscription
from services.worker.context import WorkerContext


@dataclass(frozen=True)
class Reaction:
    service: str  # whose database holds the consumer's inbox and what it changes
    tables: EventTables
    subscription: Subscription


def reactions(context: WorkerContext) -> list[Reaction]:
    return []
