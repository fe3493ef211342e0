"""The buyer's receipt (a tax invoice where VAT was charged) as a PDF, drawn with fpdf2.

What it shows follows the destination's VAT treatment as the quote locked it: under DDP the
VAT was collected with the payment, so each line shows its VAT rate and amount and the totals
the VAT charged; otherwise no VAT was charged by us and the receipt says the import VAT (the
quote's estimate, at the destination's rate) is payable on arrival. The platform is the seller
of record that took the payment; each line names the supplier that sold the part.

Amounts are written as decimal numbers with the ISO code (never a currency symbol), so the PDF's
standard fonts can draw every currency; text outside Latin-1 is replaced rather than dropped.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from marketplace.actors import Actor
from services.common.errors import Forbidden
from services.common.money import minor_unit_digits
from services.orders.checkout.service import get_order
from services.orders.contract.statuses import PartReturnStatus
from services.orders.deps import OrdersDeps
from services.orders.fulfilment import status as order_status
from services.orders.fulfilment.lifecycle import lines_of
from services.orders.models import Order, PartReturn, Quote, Refund

SELLER = ("Tongnan Parts Exchange", "Tongnan District, Chongqing, China")


def amount_text(amount: int, currency: str) -> str:
    digits = minor_unit_digits(currency)
    value = Decimal(amount).scaleb(-digits)
    return f"{value:,.{digits}f} {currency}"


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def order_reference(order: Order) -> str:
    """The order's number where it has one, else its id."""
    number = getattr(order, "number", None)
    return str(number) if number else str(order.id)


def receipt_pdf(
    session: Session, actor: Actor, order_id: uuid.UUID, deps: OrdersDeps, *, buyer_name: str | None = None
) -> tuple[Order, bytes]:
    """The receipt of one order, for its buyer or an admin; only once the order was paid."""
    order = get_order(session, actor, order_id)
    if not (actor.is_staff or order.buyer_id == actor.id):
        raise Forbidden("only the buyer of the order (or an admin) gets its receipt")
    if order.paid_at is None:
        raise order_status.InvalidTransition("the order has not been paid; there is no receipt yet", field="id")
    quote = session.get(Quote, order.quote_id)
    lines = lines_of(session, order.id)
    detail_lines: list[dict[str, Any]] = list((quote.detail if quote else {}).get("lines", []))
    suppliers = deps.catalog.supplier_names(list(dict.fromkeys(line.supplier_id for line in lines)))
    refunds = list(session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(col(Refund.created_at))))
    returned = {r.order_line_id: r for r in session.scalars(select(PartReturn).where(PartReturn.order_id == order.id))}
    return order, _draw(order, lines, detail_lines, suppliers, refunds, returned, buyer_name or order.buyer_id)


def _draw(
    order: Order,
    lines: list[Any],
    detail_lines: list[dict[str, Any]],
    suppliers: dict[uuid.UUID, str],
    refunds: list[Refund],
    returned: dict[uuid.UUID, PartReturn],
    buyer: str,
) -> bytes:
    c = order.currency
    # DDP, or a point-of-sale regime (the VAT is collected at the sale under every Incoterm).
    vat_charged = order.duty_collected or bool(order.tax_scheme)
    from fpdf import FPDF  # imported when first used: a second of every start otherwise

    pdf = FPDF(format="A4")
    pdf.set_title(f"Receipt {order_reference(order)}")
    pdf.set_author(SELLER[0])
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Tax invoice" if vat_charged and order.vat else "Receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    assert order.paid_at is not None
    for text in (
        f"Order: {order_reference(order)}",
        f"Date paid: {order.paid_at.date().isoformat()}",
        f"Currency: {c}",
        f"Incoterm: {order.incoterm}, destination {order.destination_country}",
        "",
        f"Seller: {SELLER[0]}, {SELLER[1]}",
        f"Buyer: {buyer}, {order.destination_country}",
        *([f"VAT collected under {order.tax_scheme}, our number {order.tax_registration}"] if order.tax_scheme else []),
    ):
        pdf.cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    widths = (70, 12, 30, 18, 25, 30)
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, ("Part", "Qty", "Net", "VAT rate", "VAT", "Total"), strict=True):
        pdf.cell(width, 7, head, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for i, line in enumerate(lines):
        rate = str(detail_lines[i].get("vatRate", "")) if i < len(detail_lines) else ""
        vat = line.vat if vat_charged else 0
        net = line.total - vat
        supplier = suppliers.get(line.supplier_id, str(line.supplier_id))
        title = f"{line.sku} {line.title}"[:44]
        cells = (
            title,
            str(line.quantity),
            amount_text(net, c),
            _percent(rate) if vat_charged else "-",
            amount_text(vat, c),
            amount_text(line.total, c),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _latin1(text), border=1)
        pdf.ln()
        note = f"  sold by {supplier}"
        if line.id in returned and returned[line.id].status == PartReturnStatus.REFUNDED:
            note += " - returned and refunded"
        pdf.set_font("Helvetica", "I", 8)
        pdf.cell(0, 5, _latin1(note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
    pdf.ln(3)

    duty = order.duty if order.duty_collected else 0
    rows = [
        ("Goods", order.goods),
        ("Core deposit (refundable)", order.core_deposit),
        ("Shipping", order.shipping),
        ("Insurance", order.insurance),
        ("Import duty", duty),
        ("VAT charged" if vat_charged else "VAT charged (none: payable on import)", order.vat if vat_charged else 0),
        ("Total paid", order.total),
    ]
    for label, value in rows:
        pdf.cell(110, 6, label)
        pdf.cell(50, 6, amount_text(value, c), align="R", new_x="LMARGIN", new_y="NEXT")
    if not vat_charged and order.vat:
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(
            0,
            5,
            f"Import VAT and duty are not included and are payable on arrival; the quote estimated "
            f"VAT {amount_text(order.vat, c)} and duty {amount_text(order.duty, c)}.",
        )
        pdf.set_font("Helvetica", "", 10)
    for refund in refunds:
        pdf.cell(110, 6, _latin1(f"Refunded {refund.created_at.date().isoformat()} ({refund.reason})"))
        pdf.cell(50, 6, "-" + amount_text(refund.amount, refund.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    if refunds:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(110, 6, "Net paid")
        pdf.cell(50, 6, amount_text(order.total - order.refunded, c), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _percent(rate: str) -> str:
    """The quote's rate (a decimal fraction such as 0.19) as a percentage."""
    try:
        return f"{(Decimal(rate) * 100).normalize():f}%"
    except ArithmeticError:
        return rate
