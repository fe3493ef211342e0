"""Thin HTTP routes of the orders service: parse, call one service function, map the result.

Every route needs the gateway's internal token (ActorDep) except the Stripe webhook, which
is authenticated by its Stripe signature instead. Money is {amount, currency, formatted}.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from marketplace.actors import ActorDep
from marketplace.roles import Role
from services.common import csvfile
from services.common.app import SessionDep
from services.common.errors import BadInput
from services.common.pagination import decode_cursor, encode_cursor, page_size
from services.orders import (
    carriers,
    checkout,
    core_returns,
    disputes,
    lifecycle,
    payouts,
    quotes,
    reconcile,
    settlement,
    shipping_documents,
    views,
    webhooks,
)
from services.orders.deps import DepsDep
from services.orders.schemas import (
    AutoDeliverResult,
    BankAccountIn,
    BankAccountRead,
    CancelIn,
    CardSetupRead,
    CarrierRead,
    CoreReturnCreate,
    CoreReturnDecision,
    CoreReturnRead,
    DisputeRead,
    FxImportResult,
    FxRateRead,
    MoneyRead,
    NonDeliveryIn,
    OrderCreate,
    OrderEdge,
    OrderPage,
    OrderRead,
    PageInfo,
    Pain001Request,
    PayOrder,
    PayoutExportIn,
    PayoutFileRead,
    PayoutRead,
    PayResult,
    PlaceOrderRead,
    QuoteCreate,
    QuotePricingRead,
    QuoteRead,
    ReconcileResult,
    RefundIn,
    RefundRead,
    SettlementBatchRead,
    SettlementLineRead,
    SettlementStatement,
    ShipIn,
    StatusReportEntryRead,
    StatusReportRead,
    WebhookAck,
)

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        400: "bad webhook signature",
        401: "no or bad internal token",
        402: "card declined",
        403: "the caller may not do this",
        404: "not found (or not yours)",
        409: "conflict: wrong status (INVALID_TRANSITION), OUT_OF_STOCK, QUOTE_EXPIRED, QUOTE_ALREADY_ORDERED",
        422: "invalid input; `field` names it (PART_NOT_ELIGIBLE names the missing schemes)",
        503: "an upstream (catalog, certification, Stripe) is unavailable, or FX_RATES_STALE",
    }.items()
}
MAX_WEBHOOK_BYTES = 512 * 1024
MAX_RATES_BYTES = 1024 * 1024

router = APIRouter(responses=PROBLEMS)


def _read_one(session: Any, actor: Any, order: Any) -> OrderRead:
    supplier = actor.supplier_id if actor.role == Role.SUPPLIER else None
    return views.order_reads(session, [order], supplier_id=supplier)[0]


# --- FX ----------------------------------------------------------------------------------------


@router.get("/fx/rates", tags=["fx"], summary="The rates held, against CNY")
def list_rates(session: SessionDep, actor: ActorDep) -> list[FxRateRead]:
    table = quotes.fx_table(session)
    return [
        FxRateRead(
            currency=r.currency,
            per_cny=str(r.per_cny),
            source=r.source,
            as_of=r.as_of,
            offline_fallback=r.offline_fallback,
        )
        for r in table.rates.values()
        if r.currency != "CNY"
    ]


@router.put(
    "/fx/rates",
    tags=["fx"],
    summary="Import rates: ECB eurofxref XML (Content-Type application/xml) or the simple JSON format",
)
async def import_rates(request: Request, actor: ActorDep) -> FxImportResult:
    body = await request.body()
    if len(body) > MAX_RATES_BYTES:
        raise BadInput("rate document too large", field="body")
    from starlette.concurrency import run_in_threadpool

    from services.common.db import session_scope

    def work() -> FxImportResult:
        with session_scope(request.app.state.engine) as session:
            rows = quotes.import_rates(session, actor, body, request.headers.get("content-type", ""))
            return FxImportResult(
                imported=len(rows),
                rates=[
                    FxRateRead(
                        currency=r.currency,
                        per_cny=r.per_cny,
                        source=r.source,
                        as_of=r.as_of,
                        offline_fallback=r.offline_fallback,
                    )
                    for r in rows
                ],
            )

    return await run_in_threadpool(work)


# --- quotes ------------------------------------------------------------------------------------


@router.post("/quotes", tags=["quotes"], status_code=status.HTTP_201_CREATED, summary="Quote a cart, locked 15 min")
def create_quote(data: QuoteCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> QuoteRead:
    return views.quote_read(session, quotes.create_quote(session, actor, data, deps))


@router.get("/quotes/{quote_id}", tags=["quotes"], summary="One of the caller's quotes")
def get_quote(quote_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> QuoteRead:
    return views.quote_read(session, quotes.get_quote(session, actor, quote_id))


@router.get(
    "/quotes/{quote_id}/pricing",
    tags=["quotes"],
    summary="How any quote's price was made (rules, sources, HS codes), without the buyer; staff and the gateway",
)
def get_quote_pricing(quote_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> QuotePricingRead:
    return views.quote_pricing_read(quotes.get_quote_for_pricing(session, actor, quote_id))


# --- orders ------------------------------------------------------------------------------------


@router.post(
    "/orders",
    tags=["orders"],
    status_code=status.HTTP_201_CREATED,
    summary="Place an order from a quote; 200 with the same order and client secret on a repeat key",
)
def place_order(
    data: OrderCreate, session: SessionDep, actor: ActorDep, deps: DepsDep, response: Response
) -> PlaceOrderRead:
    order, created = checkout.place_order(session, actor, data, deps)
    if not created:
        response.status_code = status.HTTP_200_OK
    assert order.client_secret is not None
    return PlaceOrderRead(
        order=_read_one(session, actor, order),
        client_secret=order.client_secret,
        publishable_key=deps.payments.publishable_key,
    )


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
    reads = views.order_reads(session, rows, supplier_id=supplier)
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
    return _read_one(session, actor, checkout.get_order_by_number(session, actor, number))


@router.get("/orders/{order_id}", tags=["orders"], summary="One order with lines, history, refunds, core returns")
def get_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return _read_one(session, actor, checkout.get_order(session, actor, order_id))


@router.post("/card-setups", tags=["payments"], summary="SetupIntent client secret for stripe.confirmCardSetup")
def start_card_setup(actor: ActorDep, deps: DepsDep) -> CardSetupRead:
    setup_id, secret = checkout.start_card_setup(actor, deps)
    return CardSetupRead(setup_intent_id=setup_id, client_secret=secret, publishable_key=deps.payments.publishable_key)


@router.post("/orders/{order_id}/pay", tags=["payments"], summary="Attach the payment method and confirm (server side)")
def pay_order(order_id: uuid.UUID, data: PayOrder, session: SessionDep, actor: ActorDep, deps: DepsDep) -> PayResult:
    order, intent = checkout.pay_order(session, actor, order_id, data.payment_method_id, deps)
    return PayResult(
        order=_read_one(session, actor, order),
        payment_intent_status=intent.status,
        requires_action=intent.status == "requires_action",
        client_secret=order.client_secret if intent.status == "requires_action" else None,
    )


@router.post("/orders/{order_id}/cancel", tags=["orders"], summary="Cancel before shipment; refunds a paid order")
def cancel_order(
    order_id: uuid.UUID, session: SessionDep, actor: ActorDep, deps: DepsDep, data: CancelIn | None = None
) -> OrderRead:
    order = lifecycle.cancel(session, actor, order_id, data.reason if data else None, deps)
    return _read_one(session, actor, order)


@router.post(
    "/orders/{order_id}/ship", tags=["orders"], summary="Supplier: its lines shipped, with carrier and tracking"
)
def ship_order(order_id: uuid.UUID, data: ShipIn, session: SessionDep, actor: ActorDep) -> OrderRead:
    return _read_one(session, actor, lifecycle.ship(session, actor, order_id, data))


@router.get(
    "/orders/{order_id}/documents/{kind}.pdf",
    tags=["orders"],
    summary="The supplier's packing slip or commercial invoice for its lines (the supplier or an admin)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def shipping_document(
    order_id: uuid.UUID,
    kind: shipping_documents.DocumentKind,
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    supplier_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    facts = shipping_documents.gather(session, actor, order_id, deps, supplier_id=supplier_id)
    return Response(
        shipping_documents.render(facts, kind),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{facts.number}.pdf"'},
    )


@router.post(
    "/orders/{order_id}/deliver",
    tags=["orders"],
    summary="Admin: delivered to the buyer (every line); suppliers are refused, the buyer confirms instead",
)
def deliver_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return _read_one(session, actor, lifecycle.deliver(session, actor, order_id))


@router.get("/carriers", tags=["orders"], summary="The carriers orders ship with (data/carriers.json)")
def list_carriers(actor: ActorDep) -> list[CarrierRead]:
    return [
        CarrierRead(
            code=c.code,
            name=c.name,
            aliases=list(c.aliases),
            formats=[f.kind for f in c.formats],
            tracking_url=c.tracking_url,
            source=c.source,
        )
        for c in carriers.carriers()
    ]


@router.post(
    "/orders/{order_id}/confirm-delivery",
    tags=["orders"],
    summary="Buyer (or admin): the parts arrived; the order is DELIVERED and the payout clock starts. Idempotent",
)
def confirm_delivery(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return _read_one(session, actor, lifecycle.confirm_delivery(session, actor, order_id))


@router.post(
    "/orders/{order_id}/non-delivery",
    tags=["orders"],
    summary="Buyer: a shipped order has not arrived; it is kept from automatic delivery. Idempotent",
)
def report_non_delivery(
    order_id: uuid.UUID, session: SessionDep, actor: ActorDep, data: NonDeliveryIn | None = None
) -> OrderRead:
    order = lifecycle.report_non_delivery(session, actor, order_id, data.note if data else "")
    return _read_one(session, actor, order)


@router.post(
    "/orders/auto-deliver",
    tags=["orders"],
    summary="Scheduler: orders shipped `auto_deliver_days` ago without objection (a part return) become DELIVERED",
)
def auto_deliver(
    session: SessionDep, actor: ActorDep, deps: DepsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> AutoDeliverResult:
    days = deps.settings.auto_deliver_days
    delivered = lifecycle.auto_deliver(session, actor, days=days, limit=limit)
    return AutoDeliverResult(delivered=len(delivered), order_ids=delivered, after_days=days)


@router.get("/disputes", tags=["payments"], summary="Admin: card disputes, newest first (keyset by id)")
def list_disputes(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=30)] = None,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last dispute of the previous page")] = None,
) -> list[DisputeRead]:
    found = disputes.list_disputes(session, actor, status=status, first=first, after=after)
    return [views.dispute_read(d) for d in found]


@router.post("/orders/{order_id}/complete", tags=["orders"], summary="Buyer (or admin) closes a delivered order")
def complete_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return _read_one(session, actor, lifecycle.complete(session, actor, order_id))


@router.post(
    "/orders/{order_id}/refunds",
    tags=["payments"],
    status_code=status.HTTP_201_CREATED,
    summary="Admin: partial refund",
)
def refund_order(
    order_id: uuid.UUID, data: RefundIn, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> RefundRead:
    refund = lifecycle.partial_refund(session, actor, order_id, data.amount, data.reason, data.idempotency_key, deps)
    return views.refund_read(refund)


# --- core returns ------------------------------------------------------------------------------


@router.post(
    "/core-returns", tags=["core returns"], status_code=status.HTTP_201_CREATED, summary="Buyer: return a core"
)
def request_core_return(data: CoreReturnCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> CoreReturnRead:
    return views.core_return_read(core_returns.request_return(session, actor, data.order_line_id, deps))


@router.get("/core-returns/{return_id}", tags=["core returns"], summary="One core return")
def get_core_return(return_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> CoreReturnRead:
    return views.core_return_read(core_returns.get_return(session, actor, return_id))


@router.post(
    "/core-returns/{return_id}/decision",
    tags=["core returns"],
    summary="Hub or supplier: accepted (refund the deposit), partly accepted or rejected (credit the supplier)",
)
def decide_core_return(
    return_id: uuid.UUID, data: CoreReturnDecision, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> CoreReturnRead:
    return views.core_return_read(core_returns.decide(session, actor, return_id, data, deps))


# --- Stripe and the scheduler ------------------------------------------------------------------


@router.post("/webhooks/stripe", tags=["payments"], summary="Stripe events (signed; no internal token)")
async def stripe_webhook(
    request: Request, stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None
) -> WebhookAck:
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        raise webhooks.InvalidSignature("payload too large for a Stripe event")
    from starlette.concurrency import run_in_threadpool

    from services.common.db import session_scope

    def work() -> str:
        with session_scope(request.app.state.engine) as session:
            return webhooks.receive(session, request.app.state.deps, payload, stripe_signature)

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


# --- settlement --------------------------------------------------------------------------------


def _payout_read(attempt: Any) -> PayoutRead | None:
    if attempt is None:
        return None
    payout, account = attempt
    return PayoutRead(
        end_to_end_id=payout.end_to_end_id,
        status=payout.status,
        sent_at=payout.sent_at,
        settled_at=payout.settled_at,
        reason_code=payout.reason_code,
        reason_text=payout.reason_text,
        account_masked=payouts.masked(account.account_number),
        bank_name=account.bank_name,
    )


def _batch_reads(session: Any, batches: list[Any]) -> list[SettlementBatchRead]:
    periods = settlement.delivery_periods(session, [b.id for b in batches])
    attempts = payouts.latest_attempts(session, [b.id for b in batches])
    return [
        SettlementBatchRead(
            id=batch.id,
            supplier_id=batch.supplier_id,
            total=MoneyRead.of(batch.total_fen, "CNY"),
            line_count=batch.line_count,
            cutoff=batch.cutoff,
            created_at=batch.created_at,
            delivered_from=periods.get(batch.id, (None, None))[0],
            delivered_until=periods.get(batch.id, (None, None))[1],
            payout_status=batch.payout_status,
            payout=_payout_read(attempts.get(batch.id)),
        )
        for batch in batches
    ]


@router.post(
    "/settlements/run",
    tags=["settlement"],
    summary="Finance or scheduler: one CNY payout batch per supplier for delivered lines past the hold",
)
def run_settlement(session: SessionDep, actor: ActorDep, deps: DepsDep) -> list[SettlementBatchRead]:
    return _batch_reads(session, settlement.run(session, actor, deps))


@router.get("/settlements", tags=["settlement"], summary="Payout batches, newest first (a supplier: its own)")
def list_settlements(
    session: SessionDep,
    actor: ActorDep,
    supplier_id: uuid.UUID | None = None,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last batch of the previous page")] = None,
) -> list[SettlementBatchRead]:
    return _batch_reads(session, settlement.list_batches(session, actor, supplier_id, first, after))


@router.get("/settlements/{batch_id}", tags=["settlement"], summary="A batch with its statement lines")
def get_settlement(batch_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> SettlementStatement:
    batch = settlement.get(session, actor, batch_id)
    return SettlementStatement(
        **_batch_reads(session, [batch])[0].model_dump(),
        lines=[
            SettlementLineRead(
                order_id=line.order_id,
                order_line_id=line.id,
                sku=line.sku,
                quantity=line.quantity,
                delivered_at=line.delivered_at,
                goods=MoneyRead.of(line.unit_price_fen * line.quantity, "CNY"),
                platform_fee=MoneyRead.of(line.platform_fee_fen, "CNY"),
                payable=MoneyRead.of(line.supplier_payable_fen, "CNY"),
            )
            for line in settlement.lines(session, batch.id)
        ],
    )


@router.get(
    "/settlements/{batch_id}/statement.csv",
    tags=["settlement"],
    summary="The batch's statement as CSV (amounts in yuan with two decimals)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def settlement_csv(batch_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    batch = settlement.get(session, actor, batch_id)
    return Response(
        content=settlement.statement_csv(session, batch),
        media_type=csvfile.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="settlement-{batch.id}.csv"'},
    )


@router.post(
    "/settlements/pain001",
    tags=["settlement"],
    summary="Finance: ISO 20022 pain.001 credit transfers (CNY) for batches, schema-validated",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def settlement_pain001(data: Pain001Request, session: SessionDep, actor: ActorDep) -> Response:
    return Response(content=settlement.pain001_file(session, actor, data), media_type="application/xml")


# --- payouts: bank accounts, pain.001 files, bank status reports ------------------------------


def _account_read(account: Any) -> BankAccountRead:
    return BankAccountRead(
        id=account.id,
        supplier_id=account.supplier_id,
        bank_name=account.bank_name,
        account_name=account.account_name,
        account_number_masked=payouts.masked(account.account_number),
        cnaps_code=account.cnaps_code,
        bic=account.bic,
        since=account.created_at,
    )


@router.get(
    "/suppliers/{supplier_id}/bank-account",
    tags=["payouts"],
    summary="The account a supplier is paid to (the supplier itself and finance); null when none was given",
)
def get_bank_account(supplier_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> BankAccountRead | None:
    account = payouts.read_account(session, actor, supplier_id)
    return _account_read(account) if account else None


@router.put(
    "/bank-account",
    tags=["payouts"],
    summary="A supplier gives the account it is paid to from now on (a change is kept beside the old one)",
)
def set_bank_account(data: BankAccountIn, session: SessionDep, actor: ActorDep) -> BankAccountRead:
    account = payouts.set_account(
        session,
        actor,
        payouts.BankAccountInput(
            bank_name=data.bank_name,
            account_name=data.account_name,
            account_number=data.account_number,
            cnaps_code=data.cnaps_code,
            bic=data.bic,
        ),
    )
    return _account_read(account)


@router.post(
    "/payouts/export",
    tags=["payouts"],
    summary="Finance: the pain.001 paying settlement batches to their suppliers' accounts; they become SENT",
)
def export_payouts(data: PayoutExportIn, session: SessionDep, actor: ActorDep, deps: DepsDep) -> PayoutFileRead:
    payout_file = payouts.export(session, actor, deps.settings, data.batch_ids, data.execution_date)
    return PayoutFileRead(
        id=payout_file.id,
        message_id=payout_file.message_id,
        execution_date=payout_file.execution_date,
        payout_count=payout_file.payout_count,
        total=MoneyRead.of(payout_file.total_fen, "CNY"),
        created_at=payout_file.created_at,
        document=payout_file.document,
    )


@router.post(
    "/payouts/status-reports",
    tags=["payouts"],
    summary="Finance: a bank's pain.002 or camt.054 (the XML as the body) moves payouts to PAID or FAILED",
)
async def import_status_report(request: Request, actor: ActorDep) -> StatusReportRead:
    body = await request.body()
    from starlette.concurrency import run_in_threadpool

    from services.common.db import session_scope

    def work() -> StatusReportRead:
        with session_scope(request.app.state.engine) as session:
            report, already = payouts.import_report(session, actor, body)
            return StatusReportRead(
                id=report.id,
                kind=report.kind,
                message_id=report.message_id,
                imported_at=report.imported_at,
                already_imported=already,
                entries=[StatusReportEntryRead.model_validate(entry) for entry in report.entries],
            )

    return await run_in_threadpool(work)
