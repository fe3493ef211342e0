"""ISO 20022 pain.001.001.09 credit-transfer files for CNY payouts to suppliers' Chinese banks.

Stripe Connect cannot pay mainland-China suppliers, so settlement is our own ledger plus
a bank file: the platform (debtor) instructs its bank to pay each supplier (creditor)
the net CNY payable, in integer fen, to a Chinese bank account identified by its
account number (not an IBAN: `Othr/Id`) at a bank identified by its BIC and/or its
CNAPS (China National Advanced Payment System) 12-digit bank code
(`ClrSysMmbId/ClrSysId/Cd = CNAPS`).

Shape of the file (one message, one payment block, one transaction per payout):

    Document/CstmrCdtTrfInitn
      GrpHdr        MsgId, CreDtTm (China time with offset), NbOfTxs, CtrlSum, InitgPty
      PmtInf        PmtInfId, PmtMtd=TRF, BtchBookg, NbOfTxs, CtrlSum, ReqdExctnDt/Dt,
                    Dbtr, DbtrAcct (Ccy CNY), DbtrAgt, ChrgBr=DEBT (the platform pays
                    the bank charges, so a supplier receives exactly its payable)
        CdtTrfTxInf PmtId (InstrId, EndToEndId), Amt/InstdAmt Ccy=CNY, CdtrAgt, Cdtr,
                    CdtrAcct, Purp/Cd=SUPP, RmtInf/Ustrd

Every file is validated against the official XSD shipped in data/iso20022/ before it
is returned (`build_pain001`), and `validate_pain001` checks any file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from services.common.errors import BadInput

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
XSD_PATH = Path(__file__).resolve().parent / "data" / "iso20022" / "pain.001.001.09.xsd"
CHINA_TZ = ZoneInfo("Asia/Shanghai")
CURRENCY = "CNY"
MAX_AMOUNT_FEN = 10**15  # the schema allows 18 digits; far above any payout

_BIC = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_CNAPS = re.compile(r"^[0-9]{12}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{6,34}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class SettlementFileError(BadInput):
    """A payout cannot be expressed as a valid pain.001 instruction; names the field."""

    code = "SETTLEMENT_FILE_INVALID"


class Pain001Invalid(ValueError):
    """The XML does not validate against the pain.001.001.09 schema."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Party:
    name: str  # Chinese or Latin script, as registered with the bank (<= 140 characters)
    country: str = "CN"
    town: str | None = None
    uscc: str | None = None  # 统一社会信用代码, the 18-character Unified Social Credit Code


@dataclass(frozen=True, slots=True)
class Bank:
    bic: str | None = None
    cnaps: str | None = None  # 12-digit CNAPS bank code (行号)
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    number: str  # domestic account number, digits (<= 34)
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Payout:
    end_to_end_id: str  # our payout id, echoed back on the supplier's statement (<= 35)
    creditor: Party
    account: Account
    bank: Bank
    amount_fen: int
    remittance: str  # free text for the supplier (<= 140), e.g. the batch and statement id
    instruction_id: str | None = None


@dataclass(frozen=True, slots=True)
class Debtor:
    party: Party
    account: Account
    bank: Bank


# --- checks -------------------------------------------------------------------------------------


def _text(value: str | None, max_len: int, field: str, *, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise SettlementFileError("required", field=field)
        return None
    value = " ".join(value.split())
    if len(value) > max_len:
        raise SettlementFileError(f"at most {max_len} characters, got {len(value)}", field=field)
    return value


def _check_bank(bank: Bank, field: str) -> None:
    if bank.bic is None and bank.cnaps is None:
        raise SettlementFileError("a bank needs a BIC or a CNAPS code", field=field)
    if bank.bic is not None and not _BIC.match(bank.bic):
        raise SettlementFileError(f"{bank.bic!r} is not a BIC", field=f"{field}.bic")
    if bank.cnaps is not None and not _CNAPS.match(bank.cnaps):
        raise SettlementFileError(f"{bank.cnaps!r} is not a 12-digit CNAPS code", field=f"{field}.cnaps")


def _check_account(account: Account, field: str) -> None:
    if not _ACCOUNT.match(account.number):
        raise SettlementFileError(
            "an account number is 6 to 34 letters or digits, without spaces", field=f"{field}.number"
        )


def _check_party(party: Party, field: str) -> None:
    _text(party.name, 140, f"{field}.name")
    if not re.fullmatch(r"[A-Z]{2}", party.country):
        raise SettlementFileError(f"{party.country!r} is not a country code", field=f"{field}.country")
    if party.uscc is not None and not _USCC.match(party.uscc):
        raise SettlementFileError(
            f"{party.uscc!r} is not an 18-character Unified Social Credit Code", field=f"{field}.uscc"
        )


def amount_text(fen: int) -> str:
    """Integer fen -> the XML amount, always two decimals: 12345 -> '123.45'."""
    return f"{Decimal(fen).scaleb(-2):.2f}"


# --- building -----------------------------------------------------------------------------------


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    node = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _party(parent: Any, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "Nm", _text(party.name, 140, "name"))
    address = _el(node, "PstlAdr")
    if party.town:
        _el(address, "TwnNm", _text(party.town, 35, "town"))
    _el(address, "Ctry", party.country)
    if party.uscc:
        other = _el(_el(_el(node, "Id"), "OrgId"), "Othr")
        _el(other, "Id", party.uscc)
        _el(_el(other, "SchmeNm"), "Prtry", "USCC")


def _agent(parent: Any, tag: str, bank: Bank) -> None:
    fin = _el(_el(parent, tag), "FinInstnId")
    if bank.bic:
        _el(fin, "BICFI", bank.bic)
    if bank.cnaps:
        member = _el(fin, "ClrSysMmbId")
        _el(_el(member, "ClrSysId"), "Cd", "CNAPS")
        _el(member, "MmbId", bank.cnaps)
    if bank.name:
        _el(fin, "Nm", _text(bank.name, 140, "bank.name"))


def _account(parent: Any, tag: str, account: Account, *, currency: bool) -> None:
    node = _el(parent, tag)
    _el(_el(_el(node, "Id"), "Othr"), "Id", account.number)
    if currency:
        _el(node, "Ccy", CURRENCY)
    if account.name:
        _el(node, "Nm", _text(account.name, 70, "account.name"))


def build_pain001(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Debtor,
    payouts: Sequence[Payout],
    payment_info_id: str | None = None,
) -> bytes:
    """A pain.001.001.09 document (UTF-8 bytes) paying every payout in CNY, schema-validated.

    Raises SettlementFileError (naming the field, e.g. `payouts.2.bank.cnaps`) for data a
    bank would reject, and Pain001Invalid if the result did not validate (a bug).
    """
    _text(message_id, 35, "messageId")
    _text(payment_info_id, 35, "paymentInfoId", required=False)
    if created_at.tzinfo is None:
        raise SettlementFileError("created_at must be timezone-aware", field="createdAt")
    if not payouts:
        raise SettlementFileError("a settlement file needs at least one payout", field="payouts")
    _check_party(debtor.party, "debtor.party")
    _check_account(debtor.account, "debtor.account")
    _check_bank(debtor.bank, "debtor.bank")
    seen: set[str] = set()
    for i, p in enumerate(payouts):
        field = f"payouts.{i}"
        _text(p.end_to_end_id, 35, f"{field}.endToEndId")
        if p.end_to_end_id in seen:
            raise SettlementFileError("end-to-end ids must be unique in a file", field=f"{field}.endToEndId")
        seen.add(p.end_to_end_id)
        _text(p.instruction_id, 35, f"{field}.instructionId", required=False)
        _text(p.remittance, 140, f"{field}.remittance")
        if isinstance(p.amount_fen, bool) or not isinstance(p.amount_fen, int):
            raise SettlementFileError("amount must be whole fen", field=f"{field}.amountFen")
        if not 0 < p.amount_fen <= MAX_AMOUNT_FEN:
            raise SettlementFileError("a payout amount must be positive", field=f"{field}.amountFen")
        _check_party(p.creditor, f"{field}.creditor")
        _check_account(p.account, f"{field}.account")
        _check_bank(p.bank, f"{field}.bank")

    count = str(len(payouts))
    control_sum = amount_text(sum(p.amount_fen for p in payouts))
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _el(root, "CstmrCdtTrfInitn")

    header = _el(initiation, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", created_at.astimezone(CHINA_TZ).replace(microsecond=0).isoformat())
    _el(header, "NbOfTxs", count)
    _el(header, "CtrlSum", control_sum)
    _party(header, "InitgPty", debtor.party)

    info = _el(initiation, "PmtInf")
    _el(info, "PmtInfId", payment_info_id or message_id)
    _el(info, "PmtMtd", "TRF")
    _el(info, "BtchBookg", "false")  # one debit per supplier, so each is traceable on our statement
    _el(info, "NbOfTxs", count)
    _el(info, "CtrlSum", control_sum)
    _el(_el(info, "ReqdExctnDt"), "Dt", execution_date.isoformat())
    _party(info, "Dbtr", debtor.party)
    _account(info, "DbtrAcct", debtor.account, currency=True)
    _agent(info, "DbtrAgt", debtor.bank)
    _el(info, "ChrgBr", "DEBT")

    for p in payouts:
        tx = _el(info, "CdtTrfTxInf")
        ids = _el(tx, "PmtId")
        if p.instruction_id:
            _el(ids, "InstrId", p.instruction_id)
        _el(ids, "EndToEndId", p.end_to_end_id)
        _el(_el(tx, "Amt"), "InstdAmt", amount_text(p.amount_fen), Ccy=CURRENCY)
        _agent(tx, "CdtrAgt", p.bank)
        _party(tx, "Cdtr", p.creditor)
        _account(tx, "CdtrAcct", p.account, currency=False)
        _el(_el(tx, "Purp"), "Cd", "SUPP")
        _el(_el(tx, "RmtInf"), "Ustrd", _text(p.remittance, 140, "remittance"))

    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_pain001(document)
    return bytes(document)


# --- validation ---------------------------------------------------------------------------------


@cache
def schema() -> Any:
    """The official pain.001.001.09 XSD, parsed once (no network access: it has no imports)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def validate_pain001(document: bytes) -> None:
    """Raise Pain001Invalid with the schema's messages unless `document` is a valid pain.001.001.09."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        tree = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise Pain001Invalid([f"not well-formed XML: {exc}"]) from None
    xsd = schema()
    if not xsd.validate(tree):
        raise Pain001Invalid([f"line {e.line}: {e.message}" for e in xsd.error_log])
