"""Bank status reports as a bank would send them back for one of our pain.001 files: a pain.002
(CustomerPaymentStatusReport .03) and a camt.054 (BankToCustomerDebitCreditNotification .08),
each valid against its official XSD."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

PAIN001_NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@dataclass(frozen=True)
class SentTransfer:
    end_to_end_id: str
    amount: str  # as the file writes it, "1062.00"
    creditor_account: str


def transfers_in(pain001: bytes) -> tuple[str, list[SentTransfer]]:
    """The MsgId and the credit transfers of a pain.001.001.09 file."""
    root = etree.fromstring(pain001)
    message_id = root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=PAIN001_NS)
    transfers = [
        SentTransfer(
            end_to_end_id=tx.findtext("p:PmtId/p:EndToEndId", namespaces=PAIN001_NS),
            amount=tx.findtext("p:Amt/p:InstdAmt", namespaces=PAIN001_NS),
            creditor_account=tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=PAIN001_NS),
        )
        for tx in root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", namespaces=PAIN001_NS)
    ]
    return str(message_id), transfers


def pain002(
    original_message_id: str, statuses: Iterable[tuple[str, str, str | None]], *, message_id: str | None = None
) -> bytes:
    """A pain.002.001.03 with one TxInfAndSts per (end-to-end id, status, reason code)."""
    txs = []
    for end_to_end_id, status, reason in statuses:
        why = (
            f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn><AddtlInf>Account closed at the creditor's bank</AddtlInf>"
            "</StsRsnInf>"
            if reason
            else ""
        )
        txs.append(
            f"<TxInfAndSts><OrgnlEndToEndId>{escape(end_to_end_id)}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
            f"{why}</TxInfAndSts>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id or 'STS-' + uuid.uuid4().hex[:20]}</MsgId>"
        "<CreDtTm>2026-12-04T10:00:00+08:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{escape(original_message_id)}</OrgnlMsgId>"
        "<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>"
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{escape(original_message_id)}</OrgnlPmtInfId>{''.join(txs)}"
        "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n"
    ).encode()


def camt054(entries: Iterable[tuple[str, str, str, str | None]], *, message_id: str | None = None) -> bytes:
    """A camt.054.001.08 with one entry per (end-to-end id, amount, status BOOK/PDNG, return
    reason): a debit of our account, or with a return reason the money coming back."""
    items = []
    for end_to_end_id, amount, status, returned in entries:
        direction = "CRDT" if returned else "DBIT"
        back = f"<RtrInf><Rsn><Cd>{returned}</Cd></Rsn></RtrInf>" if returned else ""
        items.append(
            f'<Ntry><Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>{status}</Cd></Sts>'
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{escape(end_to_end_id)}</EndToEndId></Refs>"
            f'<Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{back}</TxDtls></NtryDtls></Ntry>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id or 'NTF-' + uuid.uuid4().hex[:20]}</MsgId>"
        "<CreDtTm>2026-12-05T09:00:00+08:00</CreDtTm></GrpHdr>"
        "<Ntfctn><Id>NTF-1</Id><Acct><Id><Othr><Id>31001500000050000000</Id></Othr></Id></Acct>"
        f"{''.join(items)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n"
    ).encode()
