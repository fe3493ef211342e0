"""Integrators' webhook subscriptions: create (idempotent), list, fetch and delete their own.

A subscription belongs to the account that made it and is scoped by its role: a buyer's gets
the events of its own orders, a supplier's those of orders with its lines, an admin's all.
The signing secret is made here and answered only by `create` (a repeat of the same create
answers it again, as a retried request must get the first answer).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound, Unauthenticated
from services.orders.contract.integrations import MAX_URL_LENGTH
from services.orders.contract.statuses import WebhookDeliveryStatus
from services.orders.integrations.network import (
    RefusedAddress,
    Resolver,
    checked_addresses,
    is_local_name,
    is_public,
    literal,
    system_resolver,
)
from services.orders.models import WebhookDelivery, WebhookSubscription
from services.orders.outbox import ALL_EVENTS, EVENT_TYPES

MAX_ACTIVE_PER_OWNER = 25
SUBSCRIBERS = (Role.BUYER, Role.SUPPLIER, Role.ADMIN)
PUBLIC_HOSTS_ONLY = "webhook urls must name a public host, not a loopback or private address"


def validate_url(url: str, *, production: bool) -> str:
    """An absolute http(s) URL; in production https to a public host only."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise BadInput(f"the url must be 1 to {MAX_URL_LENGTH} characters", field="url")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise BadInput("the url must not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise BadInput("the url is malformed (bad host or port)", field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise BadInput("the url must be absolute, starting with https:// (or http:// outside production)", field="url")
    if parts.fragment:
        raise BadInput("the url must not have a #fragment", field="url")
    if production:
        if parts.scheme.lower() != "https":
            raise BadInput("webhook urls must use https", field="url")
        if is_local_name(host) or ((address := literal(host)) is not None and not is_public(address)):
            raise BadInput(PUBLIC_HOSTS_ONLY, field="url")
    return url


def check_destination(url: str, *, production: bool, resolve: Resolver = system_resolver) -> None:
    """In production, every address the url's host resolves to now must be public (each
    delivery checks again, and connects only to what it checked)."""
    if not production:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        checked_addresses(host, parts.port or 443, production=True, resolve=resolve)
    except RefusedAddress as exc:
        raise BadInput(f"{PUBLIC_HOSTS_ONLY} ({exc})", field="url") from None
    except OSError:
        raise BadInput(f"the url's host {host} does not resolve", field="url") from None


def validate_events(events: Sequence[str]) -> list[str]:
    """The known event types, deduplicated and sorted; `*` (every type, new ones too) stands alone."""
    if not events:
        raise BadInput("name at least one event type, or *", field="events")
    chosen = {e.strip() for e in events}
    unknown = sorted(chosen - set(EVENT_TYPES) - {ALL_EVENTS})
    if unknown:
        raise BadInput(f"unknown event type {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)} or *", field="events")
    return [ALL_EVENTS] if ALL_EVENTS in chosen else sorted(chosen)


def _owner(actor: Actor) -> uuid.UUID | None:
    """The supplier a subscription is scoped to (None for buyers and admins); refuses other roles."""
    if actor.role == Role.ANONYMOUS:
        raise Unauthenticated("log in or send an API key to subscribe to webhooks")
    if actor.role not in SUBSCRIBERS:
        raise Forbidden("webhooks are for buyer, supplier and admin accounts")
    if actor.role != Role.SUPPLIER:
        return None
    if not actor.supplier_id:
        raise Forbidden("this supplier account is not linked to a supplier")
    return uuid.UUID(actor.supplier_id)


def _fingerprint(actor: Actor, url: str, events: list[str]) -> str:
    text = "\n".join((actor.id, actor.role.value, actor.supplier_id or "", url, ",".join(events)))
    return hashlib.sha256(text.encode()).hexdigest()


def _by_fingerprint(session: Session, fingerprint: str) -> WebhookSubscription | None:
    return session.scalars(select(WebhookSubscription).where(WebhookSubscription.fingerprint == fingerprint)).first()


def create(
    session: Session,
    actor: Actor,
    url: str,
    events: Sequence[str],
    *,
    production: bool,
    resolve: Resolver = system_resolver,
) -> tuple[WebhookSubscription, bool]:
    """Returns (subscription, created). The same owner, url and events again: the same one."""
    supplier_id = _owner(actor)
    url = validate_url(url, production=production)
    chosen = validate_events(events)
    check_destination(url, production=production, resolve=resolve)
    fingerprint = _fingerprint(actor, url, chosen)
    existing = _by_fingerprint(session, fingerprint)
    if existing is not None:
        return existing, False
    active = session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.owner_id == actor.id, col(WebhookSubscription.active).is_(True))
    )
    if (active or 0) >= MAX_ACTIVE_PER_OWNER:
        raise Conflict(f"at most {MAX_ACTIVE_PER_OWNER} webhook subscriptions per account; delete one", field="url")
    subscription = WebhookSubscription(
        owner_id=actor.id,
        role=actor.role.value,
        supplier_id=supplier_id,
        url=url,
        events=chosen,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        fingerprint=fingerprint,
    )
    try:
        # The first write of this transaction: a concurrent twin rolls back only this insert.
        session.add(subscription)
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = _by_fingerprint(session, fingerprint)
        if existing is None:
            raise
        return existing, False
    return subscription, True


def list_own(session: Session, actor: Actor) -> list[WebhookSubscription]:
    """The owner's subscriptions not deleted, those turned off for failing included (`active` false)."""
    _owner(actor)
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.owner_id == actor.id, col(WebhookSubscription.deleted_at).is_(None))
            .order_by(col(WebhookSubscription.created_at), col(WebhookSubscription.id))
        )
    )


def get_own(session: Session, actor: Actor, subscription_id: uuid.UUID) -> WebhookSubscription:
    _owner(actor)
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.owner_id != actor.id:
        raise NotFound("no such webhook subscription", field="id")
    return subscription


def delete(session: Session, actor: Actor, subscription_id: uuid.UUID) -> WebhookSubscription:
    """Stops deliveries to it (pending ones included). Deleting it again answers the same."""
    subscription = get_own(session, actor, subscription_id)
    if subscription.deleted_at is None:
        subscription.deleted_at = utcnow()
        turn_off(session, subscription)
    return subscription


def turn_off(session: Session, subscription: WebhookSubscription) -> None:
    """No more deliveries to it, pending ones included; the same subscription asked for again
    is a new one."""
    subscription.active = False
    subscription.fingerprint = None
    session.add(subscription)
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == subscription.id,
            col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING,
        )
        .values(status=WebhookDeliveryStatus.CANCELLED)
    )
    session.flush()
