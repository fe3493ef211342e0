"""The bank's answers to our pain.001 files, read into one list of per-transfer outcomes.

Two ISO 20022 messages say what became of a credit transfer:

- pain.002 (*CustomerPaymentStatusReport*): per transaction (`TxInfAndSts`) its status by
  our `OrgnlEndToEndId`: `ACSC`/`ACCC` settled, `RJCT` rejected with `StsRsnInf/Rsn/Cd`; a
  whole group or payment block rejected (`GrpSts`/`PmtInfSts` `RJCT`) rejects every transfer
  of the original message (`OrgnlMsgId`) the report lists no transaction of.
- camt.054 (*BankToCustomerDebitCreditNotification*): a booked (`BOOK`) debit entry whose
  transaction details carry our `EndToEndId` is paid; a transaction with return information
  (`RtrInf/Rsn/Cd`: the creditor's bank sent it back) failed.

Every document is validated against the official XSD of its namespace (data/iso20022/, see
its README) before a single entry is read; a file that is not well-formed, of no supported
message, or invalid is StatusReportInvalid with the schema's line and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

from lxml import etree

from services.orders.finance.pain001 import XSD_DIR

MESSAGES: dict[str, str] = {
    f"urn:iso:std:iso:20022:tech:xsd:{name}": name
    for name in ("pain.002.001.03", "pain.002.001.12", "camt.054.001.02", "camt.054.001.08")
}
PAID_STATUSES = frozenset({"ACSC", "ACCC"})  # settled at the debtor's / creditor's bank
Outcome = Literal["PAID", "FAILED", "PENDING"]


class StatusReportInvalid(ValueError):
    """Not a status report we read, or one its schema refuses; `errors` name the lines."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ReportedTransfer:
    """What the bank says of one of our transfers (by end-to-end id), or of all the transfers of
    one of our files (end_to_end_id None, original_message_id set) when it rejected them whole."""

    end_to_end_id: str | None
    outcome: Outcome
    bank_status: str
    reason_code: str | None = None
    reason_text: str | None = None
    amount_fen: int | None = None
    original_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    message: str  # pain.002.001.03, camt.054.001.08 ...
    message_id: str
    transfers: list[ReportedTransfer]


@cache
def schema(message: str) -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"{message}.xsd"), parser))


def read(document: bytes) -> StatusReport:
    """The transfers a pain.002 or camt.054 reports on, once the document validates."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise StatusReportInvalid([f"line {exc.lineno}: not well-formed XML: {exc.msg}"]) from None
    namespace = etree.QName(root).namespace or ""
    message = MESSAGES.get(namespace)
    if message is None:
        supported = ", ".join(MESSAGES.values())
        raise StatusReportInvalid([f"line {root.sourceline}: not a bank status report we read ({supported})"])
    xsd = schema(message)
    if not xsd.validate(root):
        raise StatusReportInvalid([f"line {e.line}: {e.message}" for e in xsd.error_log])
    ns = {"d": namespace}
    if message.startswith("pain.002"):
        return StatusReport(message, _text(root, "d:CstmrPmtStsRpt/d:GrpHdr/d:MsgId", ns) or "", _pain002(root, ns))
    return StatusReport(message, _text(root, "d:BkToCstmrDbtCdtNtfctn/d:GrpHdr/d:MsgId", ns) or "", _camt054(root, ns))


def _text(node: Any, path: str, ns: dict[str, str]) -> str | None:
    found = node.find(path, ns)
    if found is None or found.text is None:
        return None
    return str(found.text).strip() or None


def _reason(node: Any, ns: dict[str, str], path: str) -> tuple[str | None, str | None]:
    """The first reason code (ISO external code or proprietary) and its additional text."""
    for info in node.findall(path, ns):
        code = _text(info, "d:Rsn/d:Cd", ns) or _text(info, "d:Rsn/d:Prtry", ns)
        text = " ".join(t.text.strip() for t in info.findall("d:AddtlInf", ns) if t.text) or None
        if code or text:
            return code, text
    return None, None


def _outcome(status: str | None) -> Outcome:
    if status in PAID_STATUSES:
        return "PAID"
    if status == "RJCT":
        return "FAILED"
    return "PENDING"


def _pain002(root: Any, ns: dict[str, str]) -> list[ReportedTransfer]:
    report = root.find("d:CstmrPmtStsRpt", ns)
    group = report.find("d:OrgnlGrpInfAndSts", ns)
    original_message_id = _text(group, "d:OrgnlMsgId", ns)
    transfers: list[ReportedTransfer] = []
    for block in report.findall("d:OrgnlPmtInfAndSts", ns):
        block_status = _text(block, "d:PmtInfSts", ns)
        block_reason = _reason(block, ns, "d:StsRsnInf")
        for tx in block.findall("d:TxInfAndSts", ns):
            end_to_end_id = _text(tx, "d:OrgnlEndToEndId", ns)
            if end_to_end_id is None:
                continue
            # A transaction without its own status has its block's.
            status = _text(tx, "d:TxSts", ns) or block_status
            code, text = _reason(tx, ns, "d:StsRsnInf")
            if code is None and text is None:
                code, text = block_reason
            transfers.append(
                ReportedTransfer(end_to_end_id, _outcome(status), status or "", reason_code=code, reason_text=text)
            )
        if block_status == "RJCT" and not block.findall("d:TxInfAndSts", ns):
            transfers.append(_whole_file_rejected(original_message_id, *block_reason))
    group_status = _text(group, "d:GrpSts", ns)
    if group_status == "RJCT" and not transfers:
        transfers.append(_whole_file_rejected(original_message_id, *_reason(group, ns, "d:StsRsnInf")))
    return transfers


def _whole_file_rejected(original_message_id: str | None, code: str | None, text: str | None) -> ReportedTransfer:
    return ReportedTransfer(
        None, "FAILED", "RJCT", reason_code=code, reason_text=text, original_message_id=original_message_id
    )


def _fen(amount: str | None) -> int | None:
    if amount is None:
        return None
    try:
        value = Decimal(amount) * 100
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None


def _camt054(root: Any, ns: dict[str, str]) -> list[ReportedTransfer]:
    transfers: list[ReportedTransfer] = []
    for entry in root.iterfind("d:BkToCstmrDbtCdtNtfctn/d:Ntfctn/d:Ntry", ns):
        # camt.054.001.02 writes the status as a code, .08 as a choice of code or proprietary.
        status = _text(entry, "d:Sts", ns) or _text(entry, "d:Sts/d:Cd", ns) or _text(entry, "d:Sts/d:Prtry", ns)
        debit = _text(entry, "d:CdtDbtInd", ns) == "DBIT"
        details = entry.findall("d:NtryDtls/d:TxDtls", ns)
        for tx in details:
            end_to_end_id = _text(tx, "d:Refs/d:EndToEndId", ns)
            if end_to_end_id is None or end_to_end_id == "NOTPROVIDED":
                continue
            code, text = _reason(tx, ns, "d:RtrInf")
            returned = tx.find("d:RtrInf", ns) is not None
            amount = _text(tx, "d:Amt", ns) or _text(tx, "d:AmtDtls/d:TxAmt/d:Amt", ns)
            if amount is None and len(details) == 1:
                amount = _text(entry, "d:Amt", ns)
            if returned:
                outcome: Outcome = "FAILED" if status == "BOOK" else "PENDING"
            else:
                outcome = "PAID" if status == "BOOK" and debit else "PENDING"
            transfers.append(
                ReportedTransfer(
                    end_to_end_id,
                    outcome,
                    f"{status or ''} {'DBIT' if debit else 'CRDT'}".strip(),
                    reason_code=code,
                    reason_text=text,
                    amount_fen=_fen(amount),
                )
            )
    return transfers
