"""Thin HTTP routes of money back to buyers: the refunds finance reviews."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from marketplace.actors import ActorDep
from services.common import csvfile
from services.common.app import SessionDep
from services.orders.contract.finance import (
    BankAccountIn,
    BankAccountRead,
    Pain001Request,
    PayoutExportIn,
    PayoutFileRead,
    RefundIn,
    RefundListed,
    RefundRead,
    SettlementBatchRead,
    SettlementLineRead,
    SettlementStatement,
    StatusReportEntryRead,
    StatusReportRead,
)
from services.orders.deps import DepsDep
from services.orders.finance import money_back, payouts, settlement
from services.orders.finance.views import account_read, batch_reads, refund_read
from services.orders.fulfilment import lifecycle
from services.orders.schemas import PROBLEMS, money_read

router = APIRouter(responses=PROBLEMS)


@router.get("/refunds", tags=["refunds"], summary="Admin: every refund, newest first, with its order's number")
def list_refunds(
    session: SessionDep,
    actor: ActorDep,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last refund of the previous page")] = None,
) -> list[RefundListed]:
    return [
        RefundListed(**refund_read(refund).model_dump(), order_id=refund.order_id, order_number=number)
        for refund, number in money_back.list_refunds(session, actor, first, after)
    ]


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
    return refund_read(refund)


@router.post(
    "/settlements/run",
    tags=["settlement"],
    summary="Finance or scheduler: one CNY payout batch per supplier for delivered lines past the hold",
)
def run_settlement(session: SessionDep, actor: ActorDep, deps: DepsDep) -> list[SettlementBatchRead]:
    return batch_reads(session, settlement.run(session, actor, deps))


@router.get("/settlements", tags=["settlement"], summary="Payout batches, newest first (a supplier: its own)")
def list_settlements(
    session: SessionDep,
    actor: ActorDep,
    supplier_id: uuid.UUID | None = None,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last batch of the previous page")] = None,
) -> list[SettlementBatchRead]:
    return batch_reads(session, settlement.list_batches(session, actor, supplier_id, first, after))


@router.get("/settlements/{batch_id}", tags=["settlement"], summary="A batch with its statement lines")
def get_settlement(batch_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> SettlementStatement:
    batch = settlement.get(session, actor, batch_id)
    return SettlementStatement(
        **batch_reads(session, [batch])[0].model_dump(),
        lines=[
            SettlementLineRead(
                order_id=line.order_id,
                order_line_id=line.id,
                sku=line.sku,
                quantity=line.quantity,
                delivered_at=line.delivered_at,
                goods=money_read(line.unit_price_fen * line.quantity, "CNY"),
                platform_fee=money_read(line.platform_fee_fen, "CNY"),
                payable=money_read(line.supplier_payable_fen, "CNY"),
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


@router.get(
    "/suppliers/{supplier_id}/bank-account",
    tags=["payouts"],
    summary="The account a supplier is paid to (the supplier itself and finance); null when none was given",
)
def get_bank_account(supplier_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> BankAccountRead | None:
    account = payouts.read_account(session, actor, supplier_id)
    return account_read(account) if account else None


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
    return account_read(account)


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
        total=money_read(payout_file.total_fen, "CNY"),
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
