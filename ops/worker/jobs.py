"""The scheduled jobs, each a coroutine over the worker's context.

Each job does its database and HTTP work in a thread (the services' domain code is synchronous),
so the worker's relays and consumers keep running beside it. Every job is safe to run twice:
the clock runs each tick once, but a tick whose worker died is run again by another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from gateway import jobs as gateway_jobs
from marketplace.actors import SYSTEM, internal_headers
from ops.worker.clock import Job
from ops.worker.context import WorkerContext
from services.catalog import jobs as catalog_jobs
from services.certification import jobs as certification_jobs
from services.certification.contract import PurgeRead
from services.common import retention
from services.common.clock import utcnow
from services.common.errors import DomainError
from services.common.events import EventTables
from services.common.http import ServiceClient
from services.orders import jobs as orders_jobs
from services.orders.contract.fulfilment import AutoDeliverResult

log = logging.getLogger(__name__)

AUTO_DELIVER_BATCH = 200


def fx_import(context: WorkerContext) -> orders_jobs.FeedOutcome:
    outcome = orders_jobs.refresh_fx_rates(
        context.engine("orders"), context.worker.ecb_rates_url, timeout=context.worker.ecb_timeout_seconds
    )
    log.info(
        "fx import: rates of %s from %s, %s",
        outcome.as_of.date(),
        "the bundled snapshot (offline fallback)" if outcome.offline_fallback else "the ECB",
        "stored" if outcome.stored else "not newer than those held",
    )
    return outcome


def reconcile_payments(context: WorkerContext) -> list[orders_jobs.ReconcileResult]:
    return orders_jobs.reconcile_payments(
        context.engine("orders"),
        context.orders,
        confirm_after=timedelta(seconds=context.worker.reconcile_confirm_after_seconds),
    )


def run_settlement(context: WorkerContext) -> int:
    return orders_jobs.run_settlement(context.engine("orders"), context.orders)


def certificate_expiry(context: WorkerContext) -> int:
    return certification_jobs.publish_expiry_notices(context.engine("certification"))


def reservation_sweep(context: WorkerContext) -> int:
    return catalog_jobs.sweep_expired_reservations(context.engine("catalog"))


def purge_replaced_documents(context: WorkerContext) -> int:
    """Replaced certificate PDFs past their retention period, deleted by the certification
    service itself (their files are on its storage): the number of files deleted."""
    secret = context.certification.internal_secret.get_secret_value()
    certification = ServiceClient(
        "certification", context.worker.certification_url, timeout=context.worker.upstream_timeout_seconds
    )
    try:
        # Purging twice deletes nothing more: safe to retry.
        response = certification.request_sync(
            "POST", "/documents/purge", headers=internal_headers(SYSTEM, secret), idempotent=True
        )
    finally:
        certification.close()
    return PurgeRead.model_validate_json(response.content).deleted_files


def auto_deliver(context: WorkerContext) -> int:
    """Orders shipped long enough ago without objection become DELIVERED, by the orders service
    (which owns the rule and its days): the number delivered."""
    secret = context.orders.internal_secret.get_secret_value()
    orders = ServiceClient("orders", context.worker.orders_url, timeout=context.worker.upstream_timeout_seconds)
    total = 0
    try:
        while True:
            # An order delivered once is not delivered again: safe to retry.
            response = orders.request_sync(
                "POST",
                "/orders/auto-deliver",
                params={"limit": AUTO_DELIVER_BATCH},
                headers=internal_headers(SYSTEM, secret),
                idempotent=True,
            )
            delivered = AutoDeliverResult.model_validate_json(response.content).delivered
            total += delivered
            if delivered < AUTO_DELIVER_BATCH:
                break
    finally:
        orders.close()
    if total:
        log.info("auto-delivery: %d orders delivered without objection", total)
    return total


def apply_retention(context: WorkerContext) -> dict[str, int]:
    settings = context.worker
    now = utcnow()

    def before(days: float) -> timedelta:
        return timedelta(days=days)

    deleted = {
        "quotes": orders_jobs.forget_expired_quotes(
            context.engine("orders"), now - before(settings.retain_quotes_days)
        ),
        "reservations": catalog_jobs.forget_settled_reservations(
            context.engine("catalog"), now - before(settings.retain_reservations_days)
        ),
        "stripe_events": orders_jobs.forget_stripe_events(
            context.engine("orders"), now - before(settings.retain_stripe_events_days)
        ),
        "refresh_tokens": gateway_jobs.forget_expired_refresh_tokens(
            context.engine("gateway"), now - before(settings.retain_refresh_tokens_days)
        ),
        "password_resets": gateway_jobs.forget_expired_password_resets(
            context.engine("gateway"), now - before(settings.retain_refresh_tokens_days)
        ),
        "sent_mails": gateway_jobs.forget_sent_mails(
            context.engine("gateway"), now - before(settings.retain_inbox_days)
        ),
    }
    outboxes: tuple[tuple[str, EventTables], ...] = (
        ("catalog", catalog_jobs.EVENTS),
        ("certification", certification_jobs.EVENTS),
        ("orders", orders_jobs.EVENTS),
    )
    for service, tables in outboxes:
        engine = context.engine(service)
        deleted[f"{service}_outbox"] = retention.published_outbox(
            engine, tables, now - before(settings.retain_published_outbox_days)
        )
        deleted[f"{service}_inbox"] = retention.applied_inbox(engine, tables, now - before(settings.retain_inbox_days))
    try:
        deleted["certificate_documents"] = purge_replaced_documents(context)
    except DomainError as exc:
        # The rest is done; the files wait for the next tick, as they lose nothing by waiting.
        log.warning("retention: the certification service purged no replaced documents: %s", exc)
    if any(deleted.values()):
        log.info("retention deleted %s", {k: v for k, v in deleted.items() if v})
    return deleted


def sanctions_lists_age(context: WorkerContext) -> list[str]:
    """A warning for each installed sanctions list older than `sanctions_max_age_days`."""
    warnings = orders_jobs.stale_sanctions_lists(utcnow().date(), context.orders.sanctions_max_age_days)
    for warning in warnings:
        log.warning(warning)
    return warnings


def _in_thread(context: WorkerContext, work: Callable[[WorkerContext], object]) -> Callable[[], Awaitable[object]]:
    async def run() -> object:
        return await asyncio.to_thread(work, context)

    return run


def scheduled_jobs(context: WorkerContext) -> list[Job]:
    every = context.worker
    return [
        # At start too: a new deployment quotes from its first minute, not from the next hour.
        Job("fx_import", every.fx_import_every_seconds, _in_thread(context, fx_import), run_at_start=True),
        Job("reconcile", every.reconcile_every_seconds, _in_thread(context, reconcile_payments)),
        Job("settlement", every.settlement_every_seconds, _in_thread(context, run_settlement)),
        Job("certificate_expiry", every.certificate_expiry_every_seconds, _in_thread(context, certificate_expiry)),
        Job("retention", every.retention_every_seconds, _in_thread(context, apply_retention)),
        Job("reservation_sweep", every.reservation_sweep_every_seconds, _in_thread(context, reservation_sweep)),
        Job("auto_deliver", every.auto_deliver_every_seconds, _in_thread(context, auto_deliver)),
        Job("sanctions_lists", every.sanctions_check_every_seconds, _in_thread(context, sanctions_lists_age)),
    ]
