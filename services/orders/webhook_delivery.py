"""Delivery of order events to integrators' endpoints: signed POSTs, retried, at least once.

A pass (`WebhookDeliverer.run_once`) does three things, each its own short transaction:

1. fan-out: every event of the outbox not yet dispatched gets one delivery per active
   subscription that may see it and asked for its type (subscribed before the event);
2. claim: due deliveries are leased by a conditional update (the lease is a later
   `next_attempt_at`), so several processes never send the same attempt twice;
3. after the POSTs (outside any transaction): each attempt is recorded; a 2xx delivers, anything
   else is retried after `base * 2^(attempt-1)` seconds (capped) until the attempts run out.

A process that dies mid-send leaves its lease to expire: the delivery is sent again, with the
same event id, which is why receivers de-duplicate on `Tongnan-Event-Id`.

The body is `{"id", "type", "created_at", "data"}`; the `Tongnan-Signature` header is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the subscription's secret>`, as
Stripe signs its webhooks. `verify_signature` is what a receiver runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import CursorResult, Engine, and_, delete, or_, update
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.db import session_scope
from services.orders.models import (
    DELIVERY_DELIVERED,
    DELIVERY_FAILED,
    DELIVERY_PENDING,
    OrderEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services.orders.outbox import ALL_EVENTS, data_for
from services.orders.settings import OrdersSettings
from services.orders.webhook_network import PinnedNetwork, PinnedTransport, RefusedAddress, Resolver, system_resolver
from services.orders.webhook_subscriptions import turn_off

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Tongnan-Signature"
EVENT_ID_HEADER = "Tongnan-Event-Id"
EVENT_TYPE_HEADER = "Tongnan-Event-Type"
ATTEMPT_HEADER = "Tongnan-Delivery-Attempt"
USER_AGENT = "Tongnan-Webhooks/1.0"
DEFAULT_TOLERANCE_SECONDS = 300

BATCH = 50
# One endpoint's events go one after the other within a pass, at most this many, so a pass
# lasts at most PER_ENDPOINT timeouts, well inside the lease.
PER_ENDPOINT = 5
# How often a pass also deletes what is past the retention.
PRUNE_EVERY = timedelta(minutes=10)
# Deliveries failed in a row (each after every retry) before a subscription is turned off.
DEAD_AFTER = 5
# A claimed delivery is left alone this long past the longest a pass can take before another
# pass may take it (a process that died mid-send).
LEASE_MARGIN_SECONDS = 60


# --- signatures --------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={sign(secret, t, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> bool:
    """True when `header` (the Tongnan-Signature value) signs exactly `body` (the raw request
    body, before any JSON parsing) with `secret`, at most `tolerance` seconds from now."""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else body
    expected = sign(secret, timestamp, raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


# --- what is sent ------------------------------------------------------------------------------


def event_body(event: OrderEvent, subscription: WebhookSubscription) -> bytes:
    supplier = str(subscription.supplier_id) if subscription.supplier_id else None
    document = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": data_for(event.payload, role=subscription.role, supplier_id=supplier),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def backoff(attempt: int, settings: OrdersSettings) -> timedelta:
    """The wait after failed attempt number `attempt` (1-based)."""
    delay = settings.webhook_retry_base_seconds * 2 ** (attempt - 1)
    return timedelta(seconds=min(delay, settings.webhook_retry_max_delay_seconds))


@dataclass(frozen=True)
class Due:
    delivery_id: uuid.UUID
    subscription_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivery_id: uuid.UUID
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _rowcount(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount)


class WebhookDeliverer:
    def __init__(self, engine: Engine, settings: OrdersSettings, *, resolve: Resolver = system_resolver) -> None:
        """`resolve`: how endpoint names become addresses (tests give their own)."""
        self.engine = engine
        self.settings = settings
        self._pruned_at: datetime | None = None
        # Every connection goes to an address checked for it (see webhook_network).
        network = PinnedNetwork(production=settings.environment == "production", resolve=resolve)
        limits = httpx.Limits(max_connections=BATCH, max_keepalive_connections=10)
        self.client = httpx.AsyncClient(
            transport=PinnedTransport(network, limits=limits),
            timeout=httpx.Timeout(settings.webhook_timeout_seconds),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # a redirect is not a delivery: the endpoint must answer 2xx itself
            trust_env=False,  # a proxy from the environment would resolve the name itself
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- the loop --------------------------------------------------------------------------

    async def run_forever(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook delivery pass failed; trying again")
                sent = 0
            if sent < BATCH:  # a full batch: more may be due at once
                await asyncio.sleep(self.settings.webhook_poll_seconds)

    async def run_once(self, now: datetime | None = None) -> int:
        """One pass at `now` (default: the clock); returns the number of POSTs made."""
        at = now or utcnow()
        if self._pruned_at is None or at - self._pruned_at >= PRUNE_EVERY:
            await asyncio.to_thread(self.prune, at)
            self._pruned_at = at
        await asyncio.to_thread(self.dispatch, at)
        due = await asyncio.to_thread(self.claim_due, at)
        if not due:
            return 0
        # Endpoints in parallel; one endpoint's events one after the other, oldest first, so a
        # pass does not deliver them out of order (a retry still may: receivers go by created_at).
        queues: dict[uuid.UUID, list[Due]] = defaultdict(list)
        for d in due:
            queues[d.subscription_id].append(d)
        sent = await asyncio.gather(*(self._send_in_order(queue) for queue in queues.values()))
        await asyncio.to_thread(self.record, [outcome for outcomes in sent for outcome in outcomes], at)
        return len(due)

    async def _send_in_order(self, queue: list[Due]) -> list[Outcome]:
        return [await self._send(d) for d in queue]

    # --- the database side -----------------------------------------------------------------

    def prune(self, now: datetime) -> int:
        """Delete events older than the retention whose deliveries are all finished, with their
        deliveries and attempts, BATCH events at a time; returns how many events went."""
        cutoff = now - timedelta(days=self.settings.webhook_retention_days)
        pending = (
            select(WebhookDelivery.id)
            .where(col(WebhookDelivery.event_id) == OrderEvent.id, col(WebhookDelivery.status) == DELIVERY_PENDING)
            .exists()
        )
        with session_scope(self.engine) as session:
            ids = session.scalars(
                select(OrderEvent.id)
                .where(col(OrderEvent.created_at) < cutoff, col(OrderEvent.dispatched_at).is_not(None), ~pending)
                .limit(BATCH)
            ).all()
            if ids:
                deliveries = select(WebhookDelivery.id).where(col(WebhookDelivery.event_id).in_(ids))
                session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(deliveries)))
                session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.event_id).in_(ids)))
                session.execute(delete(OrderEvent).where(col(OrderEvent.id).in_(ids)))
        return len(ids)

    def dispatch(self, now: datetime) -> int:
        """Fan undispatched events out to the subscriptions that may receive them."""
        made = 0
        with session_scope(self.engine) as session:
            events = session.scalars(
                select(OrderEvent)
                .where(col(OrderEvent.dispatched_at).is_(None))
                .order_by(col(OrderEvent.created_at), col(OrderEvent.id))
                .limit(BATCH)
            ).all()
            for event in events:
                claimed = session.execute(
                    update(OrderEvent)
                    .where(col(OrderEvent.id) == event.id, col(OrderEvent.dispatched_at).is_(None))
                    .values(dispatched_at=now)
                )
                if _rowcount(claimed) != 1:
                    continue  # another process fanned it out
                for subscription in self._audience(session, event):
                    session.add(
                        WebhookDelivery(
                            event_id=event.id,
                            subscription_id=subscription.id,
                            status=DELIVERY_PENDING,
                            next_attempt_at=now,
                        )
                    )
                    made += 1
            session.flush()
        return made

    @staticmethod
    def _audience(session: Session, event: OrderEvent) -> list[WebhookSubscription]:
        """Active subscriptions made before the event whose owner may see it and that asked for it."""
        sub = WebhookSubscription
        scopes = [col(sub.role) == "ADMIN", and_(col(sub.role) == "BUYER", col(sub.owner_id) == event.buyer_id)]
        if event.supplier_ids:
            suppliers = [uuid.UUID(s) for s in event.supplier_ids]
            scopes.append(and_(col(sub.role) == "SUPPLIER", col(sub.supplier_id).in_(suppliers)))
        candidates = session.scalars(
            select(sub).where(col(sub.active).is_(True), sub.created_at <= event.created_at, or_(*scopes))
        ).all()
        return [s for s in candidates if ALL_EVENTS in s.events or event.type in s.events]

    def claim_due(self, now: datetime) -> list[Due]:
        lease_until = now + timedelta(
            seconds=PER_ENDPOINT * self.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        )
        due: list[Due] = []
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(WebhookDelivery, WebhookSubscription, OrderEvent)
                .join(WebhookSubscription, col(WebhookSubscription.id) == WebhookDelivery.subscription_id)
                .join(OrderEvent, col(OrderEvent.id) == WebhookDelivery.event_id)
                .where(
                    WebhookDelivery.status == DELIVERY_PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                    col(WebhookSubscription.active).is_(True),
                )
                .order_by(col(WebhookDelivery.next_attempt_at), col(OrderEvent.created_at), col(OrderEvent.id))
                .limit(BATCH)
            ).all()
            per_endpoint: dict[uuid.UUID, int] = defaultdict(int)
            for delivery, subscription, event in rows:
                if per_endpoint[subscription.id] >= PER_ENDPOINT:
                    continue  # the next pass: one slow endpoint must not hold the rest past the lease
                claimed = session.execute(
                    update(WebhookDelivery)
                    .where(
                        col(WebhookDelivery.id) == delivery.id,
                        col(WebhookDelivery.status) == DELIVERY_PENDING,
                        col(WebhookDelivery.attempts) == delivery.attempts,
                        col(WebhookDelivery.next_attempt_at) <= now,
                    )
                    .values(next_attempt_at=lease_until)
                )
                if _rowcount(claimed) != 1:
                    continue  # another process took it
                per_endpoint[subscription.id] += 1
                due.append(
                    Due(
                        delivery_id=delivery.id,
                        subscription_id=subscription.id,
                        attempt=delivery.attempts + 1,
                        url=subscription.url,
                        secret=subscription.secret,
                        event_id=str(event.id),
                        event_type=event.type,
                        body=event_body(event, subscription),
                    )
                )
        return due

    def record(self, outcomes: list[Outcome], now: datetime) -> None:
        with session_scope(self.engine) as session:
            for outcome in outcomes:
                delivery = session.get(WebhookDelivery, outcome.delivery_id)
                if delivery is None:
                    continue
                session.add(
                    WebhookAttempt(
                        delivery_id=delivery.id,
                        attempt=outcome.attempt,
                        at=now,
                        status_code=outcome.status_code,
                        error=outcome.error,
                        duration_ms=outcome.duration_ms,
                    )
                )
                delivery.attempts = outcome.attempt
                delivery.last_status_code = outcome.status_code
                delivery.last_error = outcome.error
                if delivery.status != DELIVERY_PENDING:
                    pass  # unsubscribed while in flight: the attempt is kept, the state stays
                elif outcome.ok:
                    delivery.status, delivery.delivered_at = DELIVERY_DELIVERED, now
                elif outcome.attempt >= self.settings.webhook_max_attempts:
                    delivery.status = DELIVERY_FAILED
                    log.warning("webhook delivery %s failed %d times; giving up", delivery.id, outcome.attempt)
                    session.add(delivery)
                    session.flush()
                    self._turn_off_if_dead(session, delivery.subscription_id)
                else:
                    delivery.next_attempt_at = now + backoff(outcome.attempt, self.settings)
                session.add(delivery)

    @staticmethod
    def _turn_off_if_dead(session: Session, subscription_id: uuid.UUID) -> None:
        """An endpoint whose last DEAD_AFTER deliveries all failed, each after every retry, is
        turned off rather than sent every new event for ever (as Stripe and Shopify do); its
        owner sees `active: false` and subscribes again once the endpoint is mended."""
        finished = session.scalars(
            select(WebhookDelivery.status)
            .where(
                WebhookDelivery.subscription_id == subscription_id,
                col(WebhookDelivery.status).in_((DELIVERY_DELIVERED, DELIVERY_FAILED)),
            )
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
            .limit(DEAD_AFTER)
        ).all()
        subscription = session.get(WebhookSubscription, subscription_id)
        if len(finished) == DEAD_AFTER and set(finished) == {DELIVERY_FAILED} and subscription and subscription.active:
            turn_off(session, subscription)
            log.warning(
                "webhook subscription %s turned off: its last %d deliveries failed", subscription_id, DEAD_AFTER
            )

    # --- the HTTP side ---------------------------------------------------------------------

    async def _send(self, due: Due) -> Outcome:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(due.secret, due.body),
            EVENT_ID_HEADER: due.event_id,
            EVENT_TYPE_HEADER: due.event_type,
            ATTEMPT_HEADER: str(due.attempt),
        }
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            # One deadline for the whole attempt: httpx's timeout counts each phase on its own.
            async with asyncio.timeout(self.settings.webhook_timeout_seconds):
                # Streamed and never read: a receiver's answer body is not ours to hold in memory.
                async with self.client.stream("POST", due.url, content=due.body, headers=headers) as response:
                    status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"answered HTTP {status_code}"
        except (httpx.HTTPError, RefusedAddress, OSError) as exc:  # OSError: TimeoutError and DNS failures
            error = f"{type(exc).__name__}: {exc}"[:300]
        return Outcome(due.delivery_id, due.attempt, status_code, error, int((time.monotonic() - started) * 1000))


async def stop(task: asyncio.Task[None], deliverer: WebhookDeliverer) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await deliverer.aclose()
