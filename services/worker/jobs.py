"""The scheduled jobs, each a coroutine over the worker's context."""

from __future__ import annotations

from services.worker.clock import Job
from services.worker.context import WorkerContext


def scheduled_jobs(context: WorkerContext) -> list[Job]:
    return []
