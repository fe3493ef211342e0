"""Delivery of order events to integrators' endpoints: signed POSTs, retried, at least once.

The sender is a consumer of the event backbone (`Subscription` "orders-webhooks", run by the
worker). For each order or core return event it:

1. fans the event out: one delivery per active subscription that may see it (its buyer, the
   suppliers concerned, admins) and asked for its type, made before the event; the same fan-out
   again finds the same deliveries;
2. claims the event's deliveries still to be sent by a conditional update (a lease in
   `next_attempt_at`), so two workers never send the same attempt twice;
3. POSTs them (outside any transaction) and records each attempt: a 2xx delivers, anything
   else waits `base * 2^(attempt-1)` seconds (capped) until the attempts run out;
4. if a delivery is still to be sent, fails the event, which the consumer naks with that same
   delay: the redelivery sends only what is not delivered yet.

A worker that dies mid-send leaves its lease and its message to expire: the delivery is sent
again, with the same event id, which is why receivers de-duplicate on `Tongnan-Event-Id`.

The body is `{"id", "type", "created_at", "data"}`; the `Tongnan-Signature` header is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the subscription's secret>`, as
Stripe signs its webhooks. `verify_signature` is what a receiver runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import CursorResult, Engine, and_, delete, or_, update
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.db import session_scope
from services.common.events import Event, Subscription
from services.orders.contract.statuses import WebhookDeliveryStatus
from services.orders.integrations.network import (
    PinnedNetwork,
    PinnedTransport,
    RefusedAddress,
    Resolver,
    system_resolver,
)
from services.orders.integrations.subscriptions import turn_off
from services.orders.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services.orders.outbox import ALL_EVENTS, ORDER_EVENT_TYPES, data_for, webhook_type
from services.orders.settings import OrdersSettings

log = logging.getLogger(__name__)

CONSUMER = "orders-webhooks"
SIGNATURE_HEADER = "Tongnan-Signature"
EVENT_ID_HEADER = "Tongnan-Event-Id"
EVENT_TYPE_HEADER = "Tongnan-Event-Type"
ATTEMPT_HEADER = "Tongnan-Delivery-Attempt"
USER_AGENT = "Tongnan-Webhooks/1.0"
DEFAULT_TOLERANCE_SECONDS = 300

# Events a worker sends at once. Each is fetched only when it can start, so none waits past
# its lease behind the others.
CONCURRENCY = 16
# How often a worker also deletes deliveries past the retention.
PRUNE_EVERY = timedelta(minutes=10)
PRUNE_BATCH = 500
# Deliveries failed in a row (each after every retry) before a subscription is turned off.
DEAD_AFTER = 5
# A claimed delivery is left alone this long past the longest a POST can take before another
# worker may take it (one that died mid-send); the event's message waits as long.
LEASE_MARGIN_SECONDS = 60
# A redelivery may come a hair before the delay recorded with the failed attempt (clocks of
# two hosts): the delivery is due this much early.
DUE_SLACK = timedelta(seconds=2)


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


def event_body(event: Event, subscription: WebhookSubscription) -> bytes:
    supplier = str(subscription.supplier_id) if subscription.supplier_id else None
    document = {
        "id": event.id,
        "type": webhook_type(event.type),
        "created_at": event.occurred_at.isoformat(),
        "data": data_for(event.data, role=subscription.role, supplier_id=supplier),
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


class DeliveriesPending(Exception):
    """Some of an event's deliveries are to be tried again: the consumer naks the event."""


def _rowcount(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount)


class WebhookSender:
    def __init__(
        self,
        engine: Engine,
        settings: OrdersSettings,
        *,
        resolve: Resolver = system_resolver,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """`resolve`: how endpoint names become addresses; `now`: the clock (tests give their own)."""
        self.engine = engine
        self.settings = settings
        self.now = now
        self.sent = 0
        self._pruned_at: datetime | None = None
        # One order's events go out in the order they came, within a worker (see `handle`).
        self._order_locks: dict[str, asyncio.Lock] = {}
        self._order_waiters: dict[str, int] = {}
        # Every connection goes to an address checked for it (see webhook_network).
        network = PinnedNetwork(production=settings.environment == "production", resolve=resolve)
        limits = httpx.Limits(max_connections=CONCURRENCY * 4, max_keepalive_connections=CONCURRENCY)
        self.client = httpx.AsyncClient(
            transport=PinnedTransport(network, limits=limits),
            timeout=httpx.Timeout(settings.webhook_timeout_seconds),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # a redirect is not a delivery: the endpoint must answer 2xx itself
            trust_env=False,  # a proxy from the environment would resolve the name itself
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)

    def subscription(self) -> Subscription:
        """The durable consumer: every order and core return event, redelivered after the same
        delays as a failed attempt waits, as many times as a delivery has attempts."""
        attempts = self.settings.webhook_max_attempts
        return Subscription(
            name=CONSUMER,
            event_types=ORDER_EVENT_TYPES,
            handler=self.handle,
            max_deliveries=attempts,
            backoff=[backoff(n, self.settings).total_seconds() for n in range(1, max(attempts, 2))],
            ack_wait_seconds=self.lease.total_seconds(),
            batch=CONCURRENCY,
            concurrency=CONCURRENCY,
        )

    # --- one event -------------------------------------------------------------------------

    async def handle(self, event: Event) -> None:
        """Sends what of `event` is still to be sent; raises DeliveriesPending while some of it
        is to be tried again."""
        async with self._in_order(event.aggregate_id):
            now = self.now()
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                self._pruned_at = now
                await asyncio.to_thread(self.prune, now)
            due = await asyncio.to_thread(self.claim, event, now)
            outcomes = await asyncio.gather(*(self._send(d) for d in due))
            self.sent += len(outcomes)
            pending = await asyncio.to_thread(self.record, event, list(outcomes), self.now())
        if pending:
            raise DeliveriesPending(f"{pending} deliveries of event {event.id} are to be tried again")

    @asynccontextmanager
    async def _in_order(self, key: str) -> AsyncIterator[None]:
        # The consumer starts a batch's events in their stream order, and an asyncio lock is
        # granted in the order it is asked for: an order's later event waits for its earlier one.
        lock = self._order_locks.setdefault(key, asyncio.Lock())
        self._order_waiters[key] = self._order_waiters.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._order_waiters[key] -= 1
            if self._order_waiters[key] == 0:
                del self._order_waiters[key], self._order_locks[key]

    # --- the database side -----------------------------------------------------------------

    def claim(self, event: Event, now: datetime) -> list[Due]:
        """Fans `event` out (once: its deliveries are unique per subscription), then leases its
        deliveries that are due."""
        event_id = uuid.UUID(event.id)
        lease_until = now + self.lease
        due: list[Due] = []
        with session_scope(self.engine) as session:
            known = set(
                session.scalars(select(WebhookDelivery.subscription_id).where(WebhookDelivery.event_id == event_id))
            )
            for subscription in self._audience(session, event):
                if subscription.id not in known:
                    session.add(
                        WebhookDelivery(
                            event_id=event_id,
                            subscription_id=subscription.id,
                            status=WebhookDeliveryStatus.PENDING,
                            next_attempt_at=now,
                        )
                    )
            session.flush()
            rows = session.execute(
                select(WebhookDelivery, WebhookSubscription)
                .join(WebhookSubscription, col(WebhookSubscription.id) == WebhookDelivery.subscription_id)
                .where(
                    WebhookDelivery.event_id == event_id,
                    WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now + DUE_SLACK,
                    col(WebhookSubscription.active).is_(True),
                )
                .order_by(col(WebhookDelivery.created_at), col(WebhookDelivery.id))
            ).all()
            for delivery, subscription in rows:
                claimed = session.execute(
                    update(WebhookDelivery)
                    .where(
                        col(WebhookDelivery.id) == delivery.id,
                        col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING,
                        col(WebhookDelivery.attempts) == delivery.attempts,
                        col(WebhookDelivery.next_attempt_at) <= now + DUE_SLACK,
                    )
                    .values(next_attempt_at=lease_until)
                )
                if _rowcount(claimed) != 1:
                    continue  # another worker took it
                due.append(
                    Due(
                        delivery_id=delivery.id,
                        subscription_id=subscription.id,
                        attempt=delivery.attempts + 1,
                        url=subscription.url,
                        secret=subscription.secret,
                        event_id=event.id,
                        event_type=webhook_type(event.type),
                        body=event_body(event, subscription),
                    )
                )
        return due

    @staticmethod
    def _audience(session: Session, event: Event) -> list[WebhookSubscription]:
        """Active subscriptions made before the event whose owner may see it and that asked for it."""
        if event.data.get("never_placed"):
            return []  # a checkout abandoned before it was placed: no integrator heard of it
        sub = WebhookSubscription
        scopes = [
            col(sub.role) == "ADMIN",
            and_(col(sub.role) == "BUYER", col(sub.owner_id) == event.data["buyer_id"]),
        ]
        if event.data["supplier_ids"]:
            suppliers = [uuid.UUID(s) for s in event.data["supplier_ids"]]
            scopes.append(and_(col(sub.role) == "SUPPLIER", col(sub.supplier_id).in_(suppliers)))
        candidates = session.scalars(
            select(sub).where(col(sub.active).is_(True), sub.created_at <= event.occurred_at, or_(*scopes))
        ).all()
        name = webhook_type(event.type)
        return [s for s in candidates if ALL_EVENTS in s.events or name in s.events]

    def record(self, event: Event, outcomes: list[Outcome], now: datetime) -> int:
        """Records each attempt; returns how many of the event's deliveries are still to be sent."""
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
                if delivery.status != WebhookDeliveryStatus.PENDING:
                    pass  # unsubscribed while in flight: the attempt is kept, the state stays
                elif outcome.ok:
                    delivery.status, delivery.delivered_at = WebhookDeliveryStatus.DELIVERED, now
                elif outcome.attempt >= self.settings.webhook_max_attempts:
                    delivery.status = WebhookDeliveryStatus.FAILED
                    log.warning("webhook delivery %s failed %d times; giving up", delivery.id, outcome.attempt)
                    session.add(delivery)
                    session.flush()
                    self._turn_off_if_dead(session, delivery.subscription_id)
                else:
                    # When the event's redelivery comes: the consumer naks it with this delay.
                    delivery.next_attempt_at = now + backoff(outcome.attempt, self.settings)
                session.add(delivery)
            session.flush()
            pending = session.scalars(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.event_id == uuid.UUID(event.id),
                    WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                )
            ).all()
        return len(pending)

    def prune(self, now: datetime) -> int:
        """Delete finished deliveries older than the retention, with their attempts; returns how
        many went. A delivery still to be sent stays whatever its age."""
        cutoff = now - timedelta(days=self.settings.webhook_retention_days)
        with session_scope(self.engine) as session:
            ids = session.scalars(
                select(WebhookDelivery.id)
                .where(
                    col(WebhookDelivery.created_at) < cutoff,
                    col(WebhookDelivery.status) != WebhookDeliveryStatus.PENDING,
                )
                .limit(PRUNE_BATCH)
            ).all()
            if ids:
                session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids)))
                session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)))
        return len(ids)

    @staticmethod
    def _turn_off_if_dead(session: Session, subscription_id: uuid.UUID) -> None:
        """An endpoint whose last DEAD_AFTER deliveries all failed, each after every retry, is
        turned off rather than sent every new event for ever (as Stripe and Shopify do); its
        owner sees `active: false` and subscribes again once the endpoint is mended."""
        # The subscription's row first: its deliveries failing in concurrent transactions are
        # counted one after the other, so the last of them sees all the others.
        subscription = session.get(WebhookSubscription, subscription_id, with_for_update=True)
        finished = session.scalars(
            select(WebhookDelivery.status)
            .where(
                WebhookDelivery.subscription_id == subscription_id,
                col(WebhookDelivery.status).in_((WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED)),
            )
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
            .limit(DEAD_AFTER)
        ).all()
        if (
            len(finished) == DEAD_AFTER
            and set(finished) == {WebhookDeliveryStatus.FAILED}
            and subscription
            and subscription.active
        ):
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
