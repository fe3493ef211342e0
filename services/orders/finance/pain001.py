"""ISO 20022 pain.001 (.09, or .03 on request) credit-transfer files for CNY payouts to suppliers' Chinese banks.

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
is returned (`build_pain001`), and `validate_pain001` checks any file. Version .03
differs only in `BIC` for `BICFI` and a plain `ReqdExctnDt` date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from lxml import etree

from services.common.errors import BadInput

Version = Literal["09", "03"]
NAMESPACES: dict[str, str] = {
    "09": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
    "03": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
}
NAMESPACE = NAMESPACES["09"]
XSD_DIR = Path(__file__).resolve().parent.parent / "data" / "iso20022"
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


class _Builder:
    """Elements in one version's namespace; v03 and v09 differ only in the few places below."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.ns = NAMESPACES[version]

    def el(self, parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    def party(self, parent: Any, tag: str, party: Party) -> None:
        node = self.el(parent, tag)
        self.el(node, "Nm", _text(party.name, 140, "name"))
        address = self.el(node, "PstlAdr")
        if party.town:
            self.el(address, "TwnNm", _text(party.town, 35, "town"))
        self.el(address, "Ctry", party.country)
        if party.uscc:
            other = self.el(self.el(self.el(node, "Id"), "OrgId"), "Othr")
            self.el(other, "Id", party.uscc)
            self.el(self.el(other, "SchmeNm"), "Prtry", "USCC")

    def agent(self, parent: Any, tag: str, bank: Bank) -> None:
        fin = self.el(self.el(parent, tag), "FinInstnId")
        if bank.bic:
            self.el(fin, "BICFI" if self.version == "09" else "BIC", bank.bic)
        if bank.cnaps:
            member = self.el(fin, "ClrSysMmbId")
            self.el(self.el(member, "ClrSysId"), "Cd", "CNAPS")
            self.el(member, "MmbId", bank.cnaps)
        if bank.name:
            self.el(fin, "Nm", _text(bank.name, 140, "bank.name"))

    def account(self, parent: Any, tag: str, account: Account, *, currency: bool) -> None:
        node = self.el(parent, tag)
        self.el(self.el(self.el(node, "Id"), "Othr"), "Id", account.number)
        if currency:
            self.el(node, "Ccy", CURRENCY)
        if account.name:
            self.el(node, "Nm", _text(account.name, 70, "account.name"))

    def execution_date(self, parent: Any, day: date) -> None:
        if self.version == "09":
            self.el(self.el(parent, "ReqdExctnDt"), "Dt", day.isoformat())
        else:
            self.el(parent, "ReqdExctnDt", day.isoformat())


def build_pain001(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Debtor,
    payouts: Sequence[Payout],
    payment_info_id: str | None = None,
    version: Version = "09",
) -> bytes:
    """A pain.001 document (UTF-8 bytes) paying every payout in CNY, schema-validated.

    `version` "09" (pain.001.001.09, the default) or "03" (pain.001.001.03, which many
    banks' corporate channels still take). Raises SettlementFileError (naming the field,
    e.g. `payouts.2.bank.cnaps`) for data a bank would reject, and Pain001Invalid if the
    result did not validate (a bug).
    """
    if version not in NAMESPACES:
        raise SettlementFileError(f"pain.001 version {version!r} is not supported", field="version")
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

    b = _Builder(version)
    count = str(len(payouts))
    control_sum = amount_text(sum(p.amount_fen for p in payouts))
    root = etree.Element(f"{{{b.ns}}}Document", nsmap={None: b.ns})
    initiation = b.el(root, "CstmrCdtTrfInitn")

    header = b.el(initiation, "GrpHdr")
    b.el(header, "MsgId", message_id)
    b.el(header, "CreDtTm", created_at.astimezone(CHINA_TZ).replace(microsecond=0).isoformat())
    b.el(header, "NbOfTxs", count)
    b.el(header, "CtrlSum", control_sum)
    b.party(header, "InitgPty", debtor.party)

    info = b.el(initiation, "PmtInf")
    b.el(info, "PmtInfId", payment_info_id or message_id)
    b.el(info, "PmtMtd", "TRF")
    b.el(info, "BtchBookg", "false")  # one debit per supplier, so each is traceable on our statement
    b.el(info, "NbOfTxs", count)
    b.el(info, "CtrlSum", control_sum)
    b.execution_date(info, execution_date)
    b.party(info, "Dbtr", debtor.party)
    b.account(info, "DbtrAcct", debtor.account, currency=True)
    b.agent(info, "DbtrAgt", debtor.bank)
    b.el(info, "ChrgBr", "DEBT")

    for p in payouts:
        tx = b.el(info, "CdtTrfTxInf")
        ids = b.el(tx, "PmtId")
        if p.instruction_id:
            b.el(ids, "InstrId", p.instruction_id)
        b.el(ids, "EndToEndId", p.end_to_end_id)
        b.el(b.el(tx, "Amt"), "InstdAmt", amount_text(p.amount_fen), Ccy=CURRENCY)
        b.agent(tx, "CdtrAgt", p.bank)
        b.party(tx, "Cdtr", p.creditor)
        b.account(tx, "CdtrAcct", p.account, currency=False)
        b.el(b.el(tx, "Purp"), "Cd", "SUPP")
        b.el(b.el(tx, "RmtInf"), "Ustrd", _text(p.remittance, 140, "remittance"))

    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_pain001(document, version=version)
    return bytes(document)


# --- validation ---------------------------------------------------------------------------------


@cache
def schema(version: Version = "09") -> Any:
    """The official pain.001 XSD of `version`, parsed once (no network: it imports nothing)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"pain.001.001.{version}.xsd"), parser))


def validate_pain001(document: bytes, *, version: Version = "09") -> None:
    """Raise Pain001Invalid with the schema's messages unless `document` is a valid pain.001."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        tree = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise Pain001Invalid([f"not well-formed XML: {exc}"]) from None
    xsd = schema(version)
    if not xsd.validate(tree):
        raise Pain001Invalid([f"line {e.line}: {e.message}" for e in xsd.error_log])
