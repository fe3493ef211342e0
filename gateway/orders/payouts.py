"""Payouts to suppliers: the bank account a supplier gives, and finance's pain.001 files and the
bank's status reports (pain.002, camt.054) that move each settlement statement from CREATED to
SENT to PAID or FAILED. The orders service keeps the accounts and decides who may do what:
a supplier sets and reads its own account, an admin reads any and pays them."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from gateway import audit
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.mutations import call_upstream, mutation, read_upload
from gateway.orders.settlements import SettlementStatement
from gateway.orders.types import money
from gateway.permissions import SIGNED_IN
from gateway.types import Money
from marketplace.roles import AccountRole
from services.orders.contract.finance import (
    BankAccountRead,
    PayoutFileRead,
    PayoutRead,
    SettlementBatchRead,
    StatusReportRead,
)

# The orders service names fields as it stores them; clients see the names of their arguments.
_ACCOUNT_FIELDS = {
    "bank_name": "input.bankName",
    "account_name": "input.accountName",
    "account_number": "input.accountNumber",
    "cnaps_code": "input.cnapsCode",
    "bic": "input.bic",
}


@strawberry.enum(description="Where a settlement statement's payout stands.")
class PayoutStatus(Enum):
    CREATED = strawberry.enum_value("CREATED", description="Not yet in a bank file.")
    SENT = strawberry.enum_value("SENT", description="In a pain.001 file handed to the bank.")
    PAID = strawberry.enum_value("PAID", description="The bank reported the transfer settled.")
    FAILED = strawberry.enum_value(
        "FAILED", description="The bank rejected or returned the transfer; it may be sent again in a new file."
    )


@strawberry.type(description="The account a supplier is paid to, in CNY at a bank in mainland China.")
class BankAccount:
    bank_name: str = strawberry.field(description="The bank and branch, as the supplier wrote it.")
    account_name: str = strawberry.field(description="The account holder, as registered with the bank.")
    account_number_masked: str = strawberry.field(
        description="The account number for display: its last four digits only. The full number goes "
        "into the pain.001 file alone."
    )
    cnaps_code: str = strawberry.field(description="The 12-digit CNAPS bank code (行号) of the branch.")
    bic: str | None = strawberry.field(description="The bank's BIC (SWIFT code), when given.")
    since: dt.datetime = strawberry.field(description="When the supplier gave this account.")

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> BankAccount:
        """The orders service's bank account, parsed with its contract."""
        account = BankAccountRead.model_validate(json)
        return cls(
            bank_name=account.bank_name,
            account_name=account.account_name,
            account_number_masked=account.account_number_masked,
            cnaps_code=account.cnaps_code,
            bic=account.bic,
            since=account.since,
        )


@strawberry.input(description="A CNY bank account in mainland China; each field is checked for its format.")
class BankAccountInput:
    bank_name: str = strawberry.field(description="The bank and branch (开户行), at most 140 characters.")
    account_name: str = strawberry.field(
        description="The account holder (户名) exactly as registered with the bank, at most 140 characters."
    )
    account_number: str = strawberry.field(description="8 to 32 digits; spaces and hyphens are dropped.")
    cnaps_code: str = strawberry.field(description="The branch's 12-digit CNAPS bank code (行号).")
    bic: str | None = strawberry.field(
        default=None, description="Optional BIC (SWIFT code) of the bank: 8 or 11 characters, CN in 5th and 6th place."
    )


@strawberry.type(description="One attempt to pay a settlement statement: a credit transfer in a pain.001 file.")
class PayoutAttempt:
    end_to_end_id: str = strawberry.field(description="The transfer's EndToEndId in the file and the bank's reports.")
    status: PayoutStatus = strawberry.field(description="Where this attempt stands.")
    sent_at: dt.datetime = strawberry.field(description="When its file was made.")
    settled_at: dt.datetime | None = strawberry.field(description="When the bank's report said paid or failed.")
    reason_code: str | None = strawberry.field(description="The bank's ISO 20022 reason code for a failure (AC04 ...).")
    reason_text: str | None = strawberry.field(description="The bank's words on the failure, when it gave any.")
    account_number_masked: str = strawberry.field(description="The account it was sent to, last four digits.")
    bank_name: str = strawberry.field(description="The bank of the account it was sent to.")

    @classmethod
    def of(cls, payout: PayoutRead) -> PayoutAttempt:
        return cls(
            end_to_end_id=payout.end_to_end_id,
            status=PayoutStatus(payout.status),
            sent_at=payout.sent_at,
            settled_at=payout.settled_at,
            reason_code=payout.reason_code,
            reason_text=payout.reason_text,
            account_number_masked=payout.account_masked,
            bank_name=payout.bank_name,
        )


@strawberry.type(description="An ISO 20022 pain.001.001.09 credit-transfer file paying settlement statements.")
class PayoutFile:
    message_id: str = strawberry.field(description="The file's MsgId, as the bank's status reports quote it.")
    execution_date: dt.date = strawberry.field(description="The day the bank is asked to pay.")
    payout_count: int = strawberry.field(description="Transfers in the file, one per statement.")
    filename: str = strawberry.field(description="A name to save the file under.")
    xml: str = strawberry.field(description="The file itself (UTF-8 XML), validated against the official XSD.")
    data: strawberry.Private[PayoutFileRead]

    @strawberry.field(description="The sum of the transfers, in CNY.")
    def total(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.total)


@strawberry.enum(description="What a bank status report did to one payout.")
class StatusReportOutcome(Enum):
    PAID = strawberry.enum_value("PAID", description="The payout is now paid.")
    FAILED = strawberry.enum_value("FAILED", description="The payout is now failed, with the bank's reason.")
    UNCHANGED = strawberry.enum_value("UNCHANGED", description="It already stood so (a report told twice).")
    PENDING = strawberry.enum_value("PENDING", description="The bank is still working on it; nothing changed.")
    AMOUNT_MISMATCH = strawberry.enum_value(
        "AMOUNT_MISMATCH", description="The bank booked another amount than was sent; nothing changed."
    )
    UNKNOWN = strawberry.enum_value("UNKNOWN", description="No payout of ours has this end-to-end id.")


@strawberry.type(description="One transfer a bank status report speaks of.")
class StatusReportEntry:
    end_to_end_id: str | None = strawberry.field(description="The transfer's EndToEndId.")
    outcome: StatusReportOutcome = strawberry.field(description="What the report did to the payout.")
    bank_status: str = strawberry.field(description="The bank's status as written (ACSC, RJCT, BOOK DBIT ...).")
    reason_code: str | None = strawberry.field(description="The bank's reason code, for a rejection or return.")
    reason_text: str | None = strawberry.field(description="The bank's additional words, if any.")
    batch_id: strawberry.Private[str | None]

    @strawberry.field(description="The settlement statement the transfer pays; null when unknown.")
    async def statement(self, info: Info[Context, None]) -> SettlementStatement | None:
        if self.batch_id is None:
            return None
        data = await info.context.clients.orders.get_json_or_none(
            f"/settlements/{self.batch_id}", headers=info.context.upstream_headers()
        )
        return SettlementStatement.from_json(data) if data else None


@strawberry.type(description="A bank status report (pain.002 or camt.054) as imported.")
class BankStatusReport:
    kind: str = strawberry.field(description="The ISO 20022 message and version, e.g. pain.002.001.03.")
    message_id: str = strawberry.field(description="The report's own MsgId.")
    imported_at: dt.datetime = strawberry.field(description="When it was first imported.")
    already_imported: bool = strawberry.field(
        description="True when this very file had been imported before: nothing changed this time."
    )
    entries: list[StatusReportEntry] = strawberry.field(description="Each transfer it reports on, in file order.")

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> BankStatusReport:
        """The orders service's account of an imported report, parsed with its contract."""
        report = StatusReportRead.model_validate(json)
        return cls(
            kind=report.kind,
            message_id=report.message_id,
            imported_at=report.imported_at,
            already_imported=report.already_imported,
            entries=[
                StatusReportEntry(
                    end_to_end_id=e.end_to_end_id,
                    outcome=StatusReportOutcome(e.outcome),
                    bank_status=e.bank_status,
                    reason_code=e.reason_code,
                    reason_text=e.reason_text,
                    batch_id=str(e.batch_id) if e.batch_id else None,
                )
                for e in report.entries
            ],
        )


async def supplier_bank_account(info: Info[Context, None], supplier_id: str) -> BankAccount | None:
    """The supplier's account for the supplier itself and admins; null for anyone else, so that
    a listing that shows suppliers never fails on it."""
    principal = info.context.principal
    if principal is None:
        return None
    if principal.role != AccountRole.ADMIN and not (
        principal.role == AccountRole.SUPPLIER and str(principal.supplier_id) == supplier_id
    ):
        return None
    data = await info.context.clients.orders.get_json(
        f"/suppliers/{supplier_id}/bank-account", headers=info.context.upstream_headers()
    )
    return BankAccount.from_json(data) if data else None


@strawberry.type
class PayoutsMutation:
    @mutation(
        allow=SIGNED_IN,
        description="A supplier gives the CNY account it is paid to from now on. Each field is checked "
        "(BAD_USER_INPUT naming it: input.cnapsCode ...); a change is kept beside the old account, and "
        "payouts already sent keep the account they went to. The same details again change nothing.",
    )
    async def set_bank_account(
        self,
        info: Info[Context, None],
        input: Annotated[BankAccountInput, strawberry.argument(description="The account's details.")],
    ) -> BankAccount:
        body = {
            "bank_name": input.bank_name,
            "account_name": input.account_name,
            "account_number": input.account_number,
            "cnaps_code": input.cnaps_code,
            "bic": input.bic,
        }
        data = await call_upstream(
            info.context, info.context.clients.orders, "PUT", "/bank-account", json=body, fields=_ACCOUNT_FIELDS
        )
        return BankAccount.from_json(data)

    @mutation(
        allow=SIGNED_IN,
        description="Finance (an admin): settle every delivered line past the hold period into one "
        "statement per supplier. Lines already settled are never settled again; with none due, an empty list.",
    )
    async def run_settlement(self, info: Info[Context, None]) -> list[SettlementStatement]:
        context = info.context
        found = await call_upstream(context, context.clients.orders, "POST", "/settlements/run")
        statements = [SettlementStatement.of(SettlementBatchRead.model_validate(b)) for b in found or []]
        if statements:
            reason = f"settlement run: {len(statements)} statement(s)"
            for statement in statements:
                await audit.record(context, "runSettlement", global_id("SettlementStatement", statement.id), reason)
        return statements

    @mutation(
        allow=SIGNED_IN,
        description="Finance (an admin): the pain.001 file paying these statements, each to its "
        "supplier's bank account, from the platform's own account; they become SENT. A statement whose "
        "supplier has given no account is refused (BAD_USER_INPUT naming batchIds.N); one already sent or "
        "paid is CONFLICT, except that asking again for exactly the statements of one file returns that file.",
    )
    async def export_payouts(
        self,
        info: Info[Context, None],
        batch_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids of the settlement statements to pay.")
        ],
        execution_date: Annotated[
            dt.date | None,
            strawberry.argument(description="The day the bank is to pay, today to 60 days ahead; today when none."),
        ] = None,
    ) -> PayoutFile:
        context = info.context
        body: dict[str, Any] = {
            "batch_ids": [node_uuid(b, "SettlementStatement", field=f"batchIds.{i}") for i, b in enumerate(batch_ids)],
            "execution_date": execution_date.isoformat() if execution_date else None,
        }
        exported = PayoutFileRead.model_validate(
            await call_upstream(
                context,
                context.clients.orders,
                "POST",
                "/payouts/export",
                json=body,
                fields={"batch_ids": "batchIds", "execution_date": "executionDate"},
            )
        )
        reason = f"pain.001 {exported.message_id} executed {exported.execution_date.isoformat()}"
        for batch_id in body["batch_ids"]:
            await audit.record(context, "exportPayouts", global_id("SettlementStatement", batch_id), reason)
        return PayoutFile(
            message_id=exported.message_id,
            execution_date=exported.execution_date,
            payout_count=exported.payout_count,
            filename=f"{exported.message_id}.pain.001.xml",
            xml=exported.document,
            data=exported,
        )

    @mutation(
        allow=SIGNED_IN,
        description="Finance (an admin): import a bank status report, a pain.002 (CustomerPaymentStatusReport "
        ".03 or .12) or camt.054 (BankToCustomerDebitCreditNotification .02 or .08), sent as a GraphQL "
        "multipart request. It is validated against the official XSD (BAD_USER_INPUT naming `file` with the "
        "schema's line and message) and its transfers are matched by EndToEndId: settled (ACSC, a booked "
        "debit) -> PAID, rejected or returned -> FAILED with the bank's reason. The same file again changes nothing.",
    )
    async def import_bank_status_report(
        self,
        info: Info[Context, None],
        file: Annotated[Upload, strawberry.argument(description="The report's XML, a file part of the request.")],
    ) -> BankStatusReport:
        context = info.context
        upload = await read_upload(context, file, field="file", what="a status report")
        data = await call_upstream(
            context,
            context.clients.orders,
            "POST",
            "/payouts/status-reports",
            content=upload.content,
            content_type="application/xml",
        )
        report = BankStatusReport.from_json(data)
        if not report.already_imported:
            outcomes = ", ".join(sorted({str(e.outcome.value) for e in report.entries})) or "no transfers"
            await audit.record(context, "importBankStatusReport", report.message_id, f"{report.kind}: {outcomes}")
        return report
