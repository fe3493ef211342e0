"""The bank's status reports read: pain.002 (.03, .12) and camt.054 (.02, .08), each validated
against its official XSD before any entry counts."""

from __future__ import annotations

import pytest

from services.orders.finance.status_reports import StatusReportInvalid, read
from tests.orders.finance.bank_reports import camt054, pain002


def test_pain002_v03_settled_and_rejected_transfers_with_the_reason() -> None:
    report = read(pain002("TPX-1", [("E2E-A", "ACSC", None), ("E2E-B", "RJCT", "AC04"), ("E2E-C", "ACSP", None)]))
    assert report.message == "pain.002.001.03"
    assert [(t.end_to_end_id, t.outcome, t.reason_code) for t in report.transfers] == [
        ("E2E-A", "PAID", None),
        ("E2E-B", "FAILED", "AC04"),
        ("E2E-C", "PENDING", None),  # accepted, settlement in process: not paid yet
    ]
    assert report.transfers[1].reason_text == "Account closed at the creditor's bank"


def test_pain002_v12_a_whole_file_rejected_names_the_original_message() -> None:
    document = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-2</MsgId><CreDtTm>2026-12-04T10:00:00+08:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>TPX-20261204-abc</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn><AddtlInf>Invalid file format</AddtlInf></StsRsnInf>
</OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"""
    report = read(document)
    assert report.message == "pain.002.001.12"
    [whole] = report.transfers
    assert whole.end_to_end_id is None and whole.original_message_id == "TPX-20261204-abc"
    assert (whole.outcome, whole.reason_code, whole.reason_text) == ("FAILED", "FF01", "Invalid file format")


def test_camt054_v08_booked_debits_are_paid_returns_failed_and_pending_entries_wait() -> None:
    report = read(
        camt054(
            [("E2E-A", "1062.00", "BOOK", None), ("E2E-B", "99.90", "BOOK", "AC04"), ("E2E-C", "5.00", "PDNG", None)]
        )
    )
    assert report.message == "camt.054.001.08"
    assert [(t.end_to_end_id, t.outcome, t.amount_fen, t.reason_code) for t in report.transfers] == [
        ("E2E-A", "PAID", 106_200, None),
        ("E2E-B", "FAILED", 9_990, "AC04"),
        ("E2E-C", "PENDING", 500, None),
    ]


def test_camt054_v02_writes_its_status_as_a_plain_code() -> None:
    document = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>NTF-2</MsgId><CreDtTm>2026-12-05T09:00:00+08:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><CreDtTm>2026-12-05T09:00:00+08:00</CreDtTm>
<Acct><Id><Othr><Id>31001500000050000000</Id></Othr></Id></Acct>
<Ntry><Amt Ccy="CNY">12.30</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-V2</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""
    [transfer] = read(document).transfers
    assert (transfer.end_to_end_id, transfer.outcome, transfer.amount_fen) == ("E2E-V2", "PAID", 1_230)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b"<Document><unclosed></Document>", "line 1: not well-formed XML"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "not a bank status report"),
        (
            pain002("TPX-1", [("E2E-A", "DONE", None)]),
            "TxSts",  # not a status code of the schema
        ),
        (b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', "not a bank status report"),
    ],
)
def test_what_is_not_a_valid_report_is_refused_with_the_line(document: bytes, words: str) -> None:
    with pytest.raises(StatusReportInvalid) as refused:
        read(document)
    assert words in "; ".join(refused.value.errors)
    assert refused.value.errors[0].startswith("line ")
