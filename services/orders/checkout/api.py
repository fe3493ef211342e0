"""Thin HTTP routes of placing, reading and paying orders, Stripe's events and reconciliation.

Every route needs the gateway's internal token (ActorDep) except the Stripe webhook, which
is authenticated by its Stripe signature instead."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from sqlmodel import Session

from marketplace.actors import ActorDep
from marketplace.roles import Role
from services.common.app import SessionDep, in_session
from services.common.pagination import decode_cursor, encode_cursor, page_size
from services.orders.checkout import disputes, reconcile, stripe_events
from services.orders.checkout import service as checkout
from services.orders.checkout.views import dispute_read, order_read, order_reads
from services.orders.contract.checkout import (
    CardSetupRead,
    DisputeRead,
    OrderCreate,
    OrderEdge,
    OrderPage,
    OrderRead,
    PayOrder,
    PayResult,
    PlaceOrderRead,
    ReconcileResult,
    WebhookAck,
)
from services.orders.contract.shared import PageInfo
from services.orders.deps import DepsDep
from services.orders.schemas import PROBLEMS

router = APIRouter(responses=PROBLEMS)


MAX_WEBHOOK_BYTES = 512 * 1024


@router.post(
    "/orders",
    tags=["orders"],
    status_code=status.HTTP_201_CREATED,
    summary="Place an order from a quote; 200 with the same order and client secret on a repeat key",
)
async def place_order(
    data: OrderCreate, request: Request, actor: ActorDep, deps: DepsDep, response: Response
) -> PlaceOrderRead:
    def work(session: Session) -> PlaceOrderRead:
        order, created = checkout.place_order(session, actor, data, deps)
        if not created:
            response.status_code = status.HTTP_200_OK
        assert order.client_secret is not None
        return PlaceOrderRead(
            order=order_read(session, actor, order, placed_now=created),
            client_secret=order.client_secret,
            publishable_key=deps.payments.publishable_key,
        )

    return await in_session(request, work)


@router.get("/orders", tags=["orders"], summary="The caller's orders (a supplier: orders with its lines), newest first")
def list_orders(
    session: SessionDep,
    actor: ActorDep,
    first: Annotated[int | None, Query()] = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> OrderPage:
    size = page_size(first)
    cursor = decode_cursor(after, arity=2) if after else None
    rows, more = checkout.list_orders(session, actor, size, cursor)
    supplier = actor.supplier_id if actor.role == Role.SUPPLIER else None
    reads = order_reads(session, rows, supplier_id=supplier)
    edges = [
        OrderEdge(cursor=encode_cursor([o.created_at.isoformat(), str(o.id)]), node=r)
        for o, r in zip(rows, reads, strict=True)
    ]
    return OrderPage(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


@router.get(
    "/orders/by-number/{number}",
    tags=["orders"],
    summary="One order by its number (TN-2026-000123), for whoever may see it by id",
)
def get_order_by_number(number: Annotated[str, Path(max_length=40)], session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, checkout.get_order_by_number(session, actor, number))


@router.get("/orders/{order_id}", tags=["orders"], summary="One order with lines, history, refunds, core returns")
def get_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, checkout.get_order(session, actor, order_id))


@router.post("/card-setups", tags=["payments"], summary="SetupIntent client secret for stripe.confirmCardSetup")
def start_card_setup(actor: ActorDep, deps: DepsDep) -> CardSetupRead:
    setup_id, secret = checkout.start_card_setup(actor, deps)
    return CardSetupRead(setup_intent_id=setup_id, client_secret=secret, publishable_key=deps.payments.publishable_key)


@router.post("/orders/{order_id}/pay", tags=["payments"], summary="Attach the payment method and confirm (server side)")
def pay_order(order_id: uuid.UUID, data: PayOrder, session: SessionDep, actor: ActorDep, deps: DepsDep) -> PayResult:
    order, intent = checkout.pay_order(session, actor, order_id, data.payment_method_id, deps)
    return PayResult(
        order=order_read(session, actor, order),
        payment_intent_status=intent.status,
        requires_action=intent.status == "requires_action",
        client_secret=order.client_secret if intent.status == "requires_action" else None,
    )


@router.get("/disputes", tags=["payments"], summary="Admin: card disputes, newest first (keyset by id)")
def list_disputes(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=30)] = None,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last dispute of the previous page")] = None,
) -> list[DisputeRead]:
    found = disputes.list_disputes(session, actor, status=status, first=first, after=after)
    return [dispute_read(d) for d in found]


@router.post("/webhooks/stripe", tags=["payments"], summary="Stripe events (signed; no internal token)")
async def stripe_webhook(
    request: Request, stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None
) -> WebhookAck:
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        raise stripe_events.InvalidSignature("payload too large for a Stripe event")
    from starlette.concurrency import run_in_threadpool

    from services.common.db import session_scope

    def work() -> str:
        with session_scope(request.app.state.engine) as session:
            return stripe_events.receive(session, request.app.state.deps, payload, stripe_signature)

    return WebhookAck(received=True, outcome=await run_in_threadpool(work))


@router.post("/reconcile/pending", tags=["payments"], summary="Scheduler: settle orders stuck in PENDING_PAYMENT")
def reconcile_pending(
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    older_than_minutes: Annotated[int | None, Query(ge=0, le=100_000)] = None,
) -> ReconcileResult:
    from datetime import timedelta

    older = None if older_than_minutes is None else timedelta(minutes=older_than_minutes)
    return reconcile.reconcile_pending(session, actor, deps, older_than=older)
