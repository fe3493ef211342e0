"""Payouts: where each supplier is paid, the pain.001 files that pay settlement batches, and
the bank's status reports that say whether they were paid.

A batch's payout status: CREATED -> SENT (in a pain.001 file handed to finance) -> PAID or
FAILED (the bank's pain.002 or camt.054); a FAILED batch is sent again in a new file, as a
new attempt (Payout) with a new end-to-end id. The batch's status is its latest attempt's.

The bank account is the supplier's own to give (finance only reads it); a change adds a row,
so a payout keeps the account it was sent to.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.orders.finance import pain001, status_reports
from services.orders.models import BankStatusReport, Payout, PayoutFile, SettlementBatch, SupplierBankAccount
from services.orders.settings import OrdersSettings

CREATED, SENT, PAID, FAILED = "CREATED", "SENT", "PAID", "FAILED"
MAX_REPORT_BYTES = 5 * 1024 * 1024
MAX_EXECUTION_DAYS_AHEAD = 60

_ACCOUNT_NUMBER = re.compile(r"^[0-9]{8,32}$")
_CNAPS = re.compile(r"^[0-9]{12}$")
_BIC = re.compile(r"^[A-Z]{4}CN[A-Z0-9]{2}([A-Z0-9]{3})?$")
_SEPARATORS = re.compile(r"[\s-]+")


# --- bank accounts --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankAccountInput:
    bank_name: str
    account_name: str
    account_number: str
    cnaps_code: str
    bic: str | None = None


def _required_text(value: str, field: str, max_len: int) -> str:
    value = " ".join(value.split())
    # A bank file and PostgreSQL take no control characters (NUL above all).
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise BadInput("control characters are not allowed", field=field, reason="INVALID")
    if not value:
        raise BadInput("required", field=field, reason="REQUIRED")
    if len(value) > max_len:
        raise BadInput(f"at most {max_len} characters", field=field, reason="TOO_LONG")
    return value


def checked_account(data: BankAccountInput) -> BankAccountInput:
    """The account as the bank file needs it, or BadInput naming the first wrong field.

    Spaces and hyphens people type into numbers are dropped; letters of a BIC upper-cased."""
    bank_name = _required_text(data.bank_name, "bank_name", 140)
    account_name = _required_text(data.account_name, "account_name", 140)
    number = _SEPARATORS.sub("", data.account_number or "")
    if not number:
        raise BadInput("required", field="account_number", reason="REQUIRED")
    if not _ACCOUNT_NUMBER.match(number):
        raise BadInput("an account number is 8 to 32 digits", field="account_number", reason="ACCOUNT_NUMBER_INVALID")
    cnaps = _SEPARATORS.sub("", data.cnaps_code or "")
    if not cnaps:
        raise BadInput("required", field="cnaps_code", reason="REQUIRED")
    if not _CNAPS.match(cnaps):
        raise BadInput("a CNAPS bank code is 12 digits", field="cnaps_code", reason="CNAPS_CODE_INVALID")
    bic = _SEPARATORS.sub("", data.bic or "").upper() or None
    if bic is not None and not _BIC.match(bic):
        raise BadInput(
            "a BIC of a bank in mainland China is 8 or 11 letters and digits with CN in 5th and 6th place",
            field="bic",
            reason="BIC_INVALID",
        )
    return BankAccountInput(bank_name, account_name, number, cnaps, bic)


def masked(number: str) -> str:
    """For display: the last four digits only."""
    return f"•••• {number[-4:]}"


def current_account(session: Session, supplier_id: uuid.UUID) -> SupplierBankAccount | None:
    return session.scalars(
        select(SupplierBankAccount)
        .where(col(SupplierBankAccount.supplier_id) == supplier_id)
        .order_by(col(SupplierBankAccount.created_at).desc(), col(SupplierBankAccount.id).desc())
        .limit(1)
    ).first()


def _may_read_account(actor: Actor, supplier_id: uuid.UUID) -> bool:
    if actor.role in (Role.ADMIN, Role.SYSTEM):
        return True
    return actor.role == Role.SUPPLIER and actor.supplier_id == str(supplier_id)


def read_account(session: Session, actor: Actor, supplier_id: uuid.UUID) -> SupplierBankAccount | None:
    """The account a supplier is paid to: for the supplier itself and finance only."""
    if not _may_read_account(actor, supplier_id):
        raise Forbidden("a supplier's bank account is for the supplier itself and finance")
    return current_account(session, supplier_id)


def set_account(session: Session, actor: Actor, data: BankAccountInput) -> SupplierBankAccount:
    """The supplier's own account from now on; the same details again add nothing."""
    if actor.role != Role.SUPPLIER or not actor.supplier_id:
        raise Forbidden("a supplier gives its own bank account")
    supplier_id = uuid.UUID(actor.supplier_id)
    account = checked_account(data)
    current = current_account(session, supplier_id)
    if current is not None and (
        current.bank_name,
        current.account_name,
        current.account_number,
        current.cnaps_code,
        current.bic,
    ) == (account.bank_name, account.account_name, account.account_number, account.cnaps_code, account.bic):
        return current
    row = SupplierBankAccount(
        supplier_id=supplier_id,
        bank_name=account.bank_name,
        account_name=account.account_name,
        account_number=account.account_number,
        cnaps_code=account.cnaps_code,
        bic=account.bic,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    return row


# --- payout status per batch ----------------------------------------------------------------


def latest_attempts(
    session: Session, batch_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Payout, SupplierBankAccount]]:
    """Each batch's newest payout attempt with the account it went to."""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(Payout, SupplierBankAccount)
        .join(SupplierBankAccount, col(SupplierBankAccount.id) == col(Payout.bank_account_id))
        .where(col(Payout.batch_id).in_(batch_ids))
        .order_by(col(Payout.sent_at), col(Payout.id))
    ).all()
    return {payout.batch_id: (payout, account) for payout, account in rows}


# --- pain.001 export ------------------------------------------------------------------------


def _require_finance(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only finance (an admin) pays suppliers")


def _debtor(settings: OrdersSettings) -> pain001.Debtor:
    if not (settings.payout_debtor_account_number and settings.payout_debtor_name):
        raise Conflict(
            "the platform's own payout account is not configured (TONGNAN_ORDERS_PAYOUT_DEBTOR_*)",
            reason="PAYOUT_ACCOUNT_MISSING",
        )
    return pain001.Debtor(
        party=pain001.Party(
            name=settings.payout_debtor_name,
            uscc=settings.payout_debtor_uscc or None,
            town=settings.payout_debtor_town or None,
        ),
        account=pain001.Account(number=settings.payout_debtor_account_number),
        bank=pain001.Bank(
            bic=settings.payout_debtor_bic or None,
            cnaps=settings.payout_debtor_cnaps_code or None,
            name=settings.payout_debtor_bank_name or None,
        ),
    )


def _china_today(now: datetime) -> date:
    return now.astimezone(pain001.CHINA_TZ).date()


def export(
    session: Session,
    actor: Actor,
    settings: OrdersSettings,
    batch_ids: list[uuid.UUID],
    execution_date: date | None,
    *,
    now: datetime | None = None,
) -> PayoutFile:
    """One pain.001 paying every batch given to its supplier's current bank account; the
    batches become SENT. Asked again for the very batches of a file already made (a retried
    download), the same file; any other batch already sent or paid is refused by its index."""
    _require_finance(actor)
    now = now or utcnow()
    today = _china_today(now)
    execution_date = execution_date or today
    if execution_date < today:
        raise BadInput("the execution date is in the past", field="execution_date", reason="INVALID")
    if execution_date > today + timedelta(days=MAX_EXECUTION_DAYS_AHEAD):
        raise BadInput(f"the execution date is at most {MAX_EXECUTION_DAYS_AHEAD} days ahead", field="execution_date")
    if len(set(batch_ids)) != len(batch_ids):
        raise BadInput("a batch is named twice", field="batch_ids", reason="INVALID")
    # Locked so that two exports at once cannot both send one batch.
    found = {
        b.id: b
        for b in session.scalars(
            select(SettlementBatch).where(col(SettlementBatch.id).in_(batch_ids)).with_for_update()
        )
    }
    batches = []
    for i, batch_id in enumerate(batch_ids):
        batch = found.get(batch_id)
        if batch is None:
            raise NotFound("no such settlement batch", field=f"batch_ids.{i}")
        batches.append(batch)

    attempts = latest_attempts(session, batch_ids)
    if all(b.payout_status == SENT for b in batches):
        files = {attempts[b.id][0].file_id for b in batches}
        if len(files) == 1:
            earlier = session.get(PayoutFile, files.pop())
            if earlier is not None and earlier.payout_count == len(batches):
                return earlier
    for i, batch in enumerate(batches):
        if batch.payout_status in (SENT, PAID):
            raise Conflict(
                f"settlement {batch.id} was already {batch.payout_status.lower()}",
                field=f"batch_ids.{i}",
                reason=f"ALREADY_{batch.payout_status}",
            )

    debtor = _debtor(settings)
    payout_file = PayoutFile(
        message_id="",
        execution_date=execution_date,
        document="",
        payout_count=len(batches),
        total_fen=sum(b.total_fen for b in batches),
        created_by=actor.id,
        created_at=now,
    )
    payout_file.message_id = f"TPX-{now.astimezone(pain001.CHINA_TZ):%Y%m%d}-{payout_file.id.hex[:16]}"
    rows: list[Payout] = []
    instructions: list[pain001.Payout] = []
    for i, batch in enumerate(batches):
        account = current_account(session, batch.supplier_id)
        if account is None:
            raise BadInput(
                f"supplier {batch.supplier_id} has given no bank account",
                field=f"batch_ids.{i}",
                reason="NO_BANK_ACCOUNT",
                supplier_id=str(batch.supplier_id),
            )
        attempt = Payout(
            batch_id=batch.id,
            file_id=payout_file.id,
            bank_account_id=account.id,
            end_to_end_id="",
            amount_fen=batch.total_fen,
            status=SENT,
            sent_at=now,
        )
        attempt.end_to_end_id = attempt.id.hex
        rows.append(attempt)
        instructions.append(
            pain001.Payout(
                end_to_end_id=attempt.end_to_end_id,
                instruction_id=attempt.end_to_end_id,
                creditor=pain001.Party(name=account.account_name),
                account=pain001.Account(number=account.account_number, name=account.account_name[:70]),
                bank=pain001.Bank(bic=account.bic, cnaps=account.cnaps_code, name=account.bank_name),
                amount_fen=batch.total_fen,
                remittance=f"Tongnan Parts Exchange settlement {batch.id} ({batch.line_count} lines)",
            )
        )
    try:
        document = pain001.build_pain001(
            message_id=payout_file.message_id,
            created_at=now,
            execution_date=execution_date,
            debtor=debtor,
            payouts=instructions,
        )
    except pain001.SettlementFileError as exc:
        raise BadInput(exc.detail, field=exc.field) from None
    payout_file.document = document.decode("utf-8")
    session.add(payout_file)
    session.flush()
    for attempt, batch in zip(rows, batches, strict=True):
        session.add(attempt)
        batch.payout_status = SENT
        session.add(batch)
    session.flush()
    return payout_file


# --- bank status reports --------------------------------------------------------------------


def import_report(session: Session, actor: Actor, document: bytes) -> tuple[BankStatusReport, bool]:
    """Apply a pain.002 or camt.054 to the payouts it names; returns the report and whether
    it had been imported before (then nothing changes: its first outcome is answered)."""
    _require_finance(actor)
    if len(document) > MAX_REPORT_BYTES:
        raise BadInput(f"a status report is at most {MAX_REPORT_BYTES} bytes", field="file", reason="REPORT_TOO_LARGE")
    digest = hashlib.sha256(document).hexdigest()
    earlier = session.scalars(select(BankStatusReport).where(col(BankStatusReport.sha256) == digest)).first()
    if earlier is not None:
        return earlier, True
    try:
        report = status_reports.read(document)
    except status_reports.StatusReportInvalid as exc:
        # No reason code: the schema's own words (with the line) are what the person needs.
        raise BadInput("; ".join(exc.errors[:3]), field="file") from None
    now = utcnow()
    entries: list[dict[str, Any]] = []
    for transfer in report.transfers:
        if transfer.end_to_end_id is None:
            targets = _payouts_of_file(session, transfer.original_message_id)
            if not targets:
                entries.append(_entry(transfer, None, "UNKNOWN"))
        else:
            payout = session.scalars(
                select(Payout).where(col(Payout.end_to_end_id) == transfer.end_to_end_id).with_for_update()
            ).first()
            targets = [payout] if payout is not None else []
            if payout is None:
                entries.append(_entry(transfer, None, "UNKNOWN"))
        for payout in targets:
            entries.append(_entry(transfer, payout, _apply(session, payout, transfer, now)))
    row = BankStatusReport(
        sha256=digest, kind=report.message, message_id=report.message_id[:35], entries=entries, imported_by=actor.id
    )
    session.add(row)
    session.flush()
    return row, False


def _payouts_of_file(session: Session, message_id: str | None) -> list[Payout]:
    if not message_id:
        return []
    return list(
        session.scalars(
            select(Payout)
            .join(PayoutFile, col(PayoutFile.id) == col(Payout.file_id))
            .where(col(PayoutFile.message_id) == message_id)
            .with_for_update(of=Payout)
        )
    )


def _apply(session: Session, payout: Payout, transfer: status_reports.ReportedTransfer, now: datetime) -> str:
    """What the report did to this payout: PAID, FAILED, UNCHANGED, PENDING or AMOUNT_MISMATCH."""
    if transfer.outcome == "PENDING":
        return "PENDING"
    if transfer.amount_fen is not None and transfer.amount_fen != payout.amount_fen:
        # Never call a payout paid on a booking of another amount: finance looks at it.
        return "AMOUNT_MISMATCH"
    if transfer.outcome == "PAID":
        if payout.status != SENT:
            return "UNCHANGED"
        payout.status = PAID
    else:
        # A transfer returned after it was booked fails too; a failure reported twice is one.
        if payout.status == FAILED:
            return "UNCHANGED"
        payout.status = FAILED
        payout.reason_code = (transfer.reason_code or "")[:10] or None
        payout.reason_text = (transfer.reason_text or "")[:300] or None
    payout.settled_at = now
    session.add(payout)
    batch = session.get(SettlementBatch, payout.batch_id)
    latest = latest_attempts(session, [payout.batch_id]).get(payout.batch_id)
    # Only the batch's newest attempt speaks for it: a late report on an attempt that was
    # already sent again does not undo the newer one.
    if batch is not None and latest is not None and latest[0].id == payout.id:
        batch.payout_status = payout.status
        session.add(batch)
    session.flush()
    return payout.status


def _entry(transfer: status_reports.ReportedTransfer, payout: Payout | None, outcome: str) -> dict[str, Any]:
    return {
        "end_to_end_id": transfer.end_to_end_id or (payout.end_to_end_id if payout else None),
        "batch_id": str(payout.batch_id) if payout else None,
        "outcome": outcome,
        "bank_status": transfer.bank_status,
        "reason_code": transfer.reason_code,
        "reason_text": transfer.reason_text,
    }
