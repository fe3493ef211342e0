"""Settlement bank file: ISO 20022 pain.001.001.09, validated against the official XSD."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from services.orders.finance.pain001 import (
    NAMESPACE,
    NAMESPACES,
    Account,
    Bank,
    Debtor,
    Pain001Invalid,
    Party,
    Payout,
    SettlementFileError,
    amount_text,
    build_pain001,
    validate_pain001,
)

NS = {"p": NAMESPACE}
PLATFORM = Debtor(
    party=Party(
        name="重庆潼南零件交易有限公司 Tongnan Parts Exchange Co., Ltd.", town="Chongqing", uscc="91500223MA5U0XXX1K"
    ),
    account=Account(number="3100021509200088888", name="Tongnan Parts Exchange settlement"),
    bank=Bank(bic="ICBKCNBJCQG", cnaps="102653000010", name="ICBC Chongqing Tongnan sub-branch"),
)


def payout(i: int, amount_fen: int, **overrides: object) -> Payout:
    fields: dict[str, object] = {
        "end_to_end_id": f"PAYOUT-2026-11-26-{i:04d}",
        "creditor": Party(name=f"重庆潼南再制造配件厂{i}号", town="Chongqing"),
        "account": Account(number=f"62170037000001234{i:02d}"),
        "bank": Bank(cnaps="105653000015"),
        "amount_fen": amount_fen,
        "remittance": f"Tongnan Parts Exchange settlement batch SB-{i}: 3 order lines",
        "instruction_id": f"SB-{i}",
    }
    fields.update(overrides)
    return Payout(**fields)  # type: ignore[arg-type]


def build(payouts: list[Payout]) -> bytes:
    return build_pain001(
        message_id="TPX-SETTLE-20261126-001",
        created_at=datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=UTC),
        execution_date=date(2026, 11, 27),
        debtor=PLATFORM,
        payouts=payouts,
    )


def test_a_batch_of_cny_payouts_is_valid_against_the_xsd() -> None:
    doc = build([payout(1, 1_234_567), payout(2, 100), payout(3, 99_999_999, bank=Bank(bic="BKCHCNBJ"))])
    validate_pain001(doc)  # also done inside build
    tree = etree.fromstring(doc)
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    # 12345.67 + 1.00 + 999999.99
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "1012346.66"
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", namespaces=NS) == "2026-11-26T16:30:15+08:00"
    amounts = tree.findall(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=NS)
    assert [(a.text, a.get("Ccy")) for a in amounts] == [
        ("12345.67", "CNY"),
        ("1.00", "CNY"),
        ("999999.99", "CNY"),
    ]
    first = tree.find(".//p:CdtTrfTxInf", namespaces=NS)
    assert first is not None
    assert first.findtext("p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:ClrSysId/p:Cd", namespaces=NS) == "CNAPS"
    assert first.findtext("p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", namespaces=NS) == "105653000015"
    assert first.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "6217003700000123401"
    assert first.findtext("p:Cdtr/p:Nm", namespaces=NS) == "重庆潼南再制造配件厂1号"
    assert first.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == "PAYOUT-2026-11-26-0001"
    assert tree.findtext(".//p:PmtInf/p:DbtrAcct/p:Ccy", namespaces=NS) == "CNY"
    assert tree.findtext(".//p:PmtInf/p:ChrgBr", namespaces=NS) == "DEBT"
    assert doc.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_the_schema_rejects_what_a_bank_would() -> None:
    doc = build([payout(1, 500)])
    validate_pain001(doc)
    for broken in (
        doc.replace(b">5.00<", b">5.001234567<"),  # more decimals than the schema's 5
        doc.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>WIRE</PmtMtd>"),
        doc.replace(b'Ccy="CNY"', b'Ccy="cny"'),
        doc.replace(b"<EndToEndId>PAYOUT-2026-11-26-0001</EndToEndId>", b""),
        b"<Document>",
    ):
        with pytest.raises(Pain001Invalid) as invalid:
            validate_pain001(broken)
        assert invalid.value.errors


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (payout(1, 0), "payouts.0.amountFen"),
        (payout(1, -100), "payouts.0.amountFen"),
        (payout(1, 100, bank=Bank(bic="NOTABIC")), "payouts.0.bank.bic"),
        (payout(1, 100, bank=Bank(cnaps="10265300001")), "payouts.0.bank.cnaps"),
        (payout(1, 100, bank=Bank()), "payouts.0.bank"),
        (payout(1, 100, account=Account(number="6217 0037")), "payouts.0.account.number"),
        (payout(1, 100, creditor=Party(name=" ")), "payouts.0.creditor.name"),
        (payout(1, 100, creditor=Party(name="x", uscc="123")), "payouts.0.creditor.uscc"),
        (payout(1, 100, end_to_end_id="E" * 36), "payouts.0.endToEndId"),
        (payout(1, 100, remittance="r" * 141), "payouts.0.remittance"),
    ],
)
def test_bad_payout_data_names_the_field(bad: Payout, field: str) -> None:
    with pytest.raises(SettlementFileError) as err:
        build([bad])
    assert err.value.field == field


def test_duplicate_end_to_end_ids_and_empty_files_are_refused() -> None:
    with pytest.raises(SettlementFileError) as dup:
        build([payout(1, 100), payout(1, 200)])
    assert dup.value.field == "payouts.1.endToEndId"
    with pytest.raises(SettlementFileError) as empty:
        build([])
    assert empty.value.field == "payouts"


def test_amounts_from_integer_fen() -> None:
    assert amount_text(1) == "0.01"
    assert amount_text(100) == "1.00"
    assert amount_text(123_456_789) == "1234567.89"


def test_version_03_for_banks_that_still_take_it() -> None:
    payouts = [payout(1, 1_234_567), payout(2, 250, bank=Bank(bic="BKCHCNBJ", cnaps="104653000017"))]
    doc = build_pain001(
        message_id="TPX-SETTLE-20261126-002",
        created_at=datetime(2026, 11, 26, 8, 30, tzinfo=UTC),
        execution_date=date(2026, 11, 27),
        debtor=PLATFORM,
        payouts=payouts,
        version="03",
    )
    validate_pain001(doc, version="03")
    tree = etree.fromstring(doc)
    ns = {"p": NAMESPACES["03"]}
    assert tree.tag == f"{{{NAMESPACES['03']}}}Document"
    assert tree.findtext(".//p:PmtInf/p:ReqdExctnDt", namespaces=ns) == "2026-11-27"
    assert tree.findtext(".//p:CdtTrfTxInf[2]/p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=ns) == "BKCHCNBJ"
    assert tree.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "12348.17"
    # A file is checked against the schema of its own version only.
    with pytest.raises(Pain001Invalid):
        validate_pain001(doc, version="09")
    with pytest.raises(SettlementFileError) as unknown:
        build_pain001(
            message_id="m",
            created_at=datetime(2026, 11, 26, tzinfo=UTC),
            execution_date=date(2026, 11, 27),
            debtor=PLATFORM,
            payouts=payouts,
            version="12",  # type: ignore[arg-type]
        )
    assert unknown.value.field == "version"
