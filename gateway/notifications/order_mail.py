# ruff: noqa: E501  (one translation per line, so translators read them side by side)
"""The buyer's e-mails about an order, written from the order's events.

One message per event: order placed, paid, shipped, delivered and refunded. The words are in
the buyer's language (the account's `locale`: en, zh or de; English for anything else), the
amounts formatted by Babel for that language, the order called by its number, and a link to
its page in the shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from services.common.languages import language
from services.common.money import Money

MAIL_EVENTS = ("order.placed", "order.paid", "order.shipped", "order.delivered", "order.refunded")

SUBJECTS: dict[str, dict[str, str]] = {
    "en": {
        "order.placed": "Your order {number} is placed",
        "order.paid": "Payment received for order {number}",
        "order.shipped": "Order {number} is on its way",
        "order.delivered": "Order {number} was delivered",
        "order.refunded": "Refund for order {number}",
    },
    "zh": {
        "order.placed": "您的订单 {number} 已提交",
        "order.paid": "订单 {number} 已收到付款",
        "order.shipped": "订单 {number} 已发货",
        "order.delivered": "订单 {number} 已送达",
        "order.refunded": "订单 {number} 的退款",
    },
    "de": {
        "order.placed": "Ihre Bestellung {number} ist eingegangen",
        "order.paid": "Zahlung für Bestellung {number} erhalten",
        "order.shipped": "Bestellung {number} ist unterwegs",
        "order.delivered": "Bestellung {number} wurde zugestellt",
        "order.refunded": "Erstattung für Bestellung {number}",
    },
}

OPENINGS: dict[str, dict[str, str]] = {
    "en": {
        "order.placed": "Thank you for your order {number}, {total} in all. It ships once your card payment has gone through.",
        "order.paid": "We received your payment of {total} for order {number}. The suppliers in Tongnan are preparing your parts.",
        "order.shipped": "Your parts of order {number} have left Tongnan.",
        "order.delivered": "Order {number} was delivered. We hope the parts serve you well.",
        "order.refunded": "We refunded {refund} for order {number}. Your bank shows it within a few days.",
    },
    "zh": {
        "order.placed": "感谢您的订单 {number}，合计 {total}。银行卡付款完成后即安排发货。",
        "order.paid": "我们已收到订单 {number} 的付款 {total}。铜梁的供应商正在为您备货。",
        "order.shipped": "您订单 {number} 的配件已从铜梁发出。",
        "order.delivered": "订单 {number} 已送达。祝配件使用顺利。",
        "order.refunded": "我们已为订单 {number} 退款 {refund}，几天内将到达您的账户。",
    },
    "de": {
        "order.placed": "Vielen Dank für Ihre Bestellung {number} über insgesamt {total}. Sie wird versandt, sobald Ihre Kartenzahlung eingegangen ist.",
        "order.paid": "Wir haben Ihre Zahlung von {total} für Bestellung {number} erhalten. Die Lieferanten in Tongnan bereiten Ihre Teile vor.",
        "order.shipped": "Ihre Teile aus Bestellung {number} haben Tongnan verlassen.",
        "order.delivered": "Bestellung {number} wurde zugestellt. Wir wünschen Ihnen gute Fahrt mit den Teilen.",
        "order.refunded": "Wir haben {refund} für Bestellung {number} erstattet. Ihre Bank zeigt den Betrag in wenigen Tagen an.",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "parts": "Parts",
        "tracking": "{carrier}, tracking number {tracking}",
        "link": "Your order in the shop:",
        "closing": "Tongnan Parts Exchange",
    },
    "zh": {
        "parts": "配件",
        "tracking": "{carrier}，运单号 {tracking}",
        "link": "在商店中查看订单：",
        "closing": "铜梁汽车零部件交易平台",
    },
    "de": {
        "parts": "Teile",
        "tracking": "{carrier}, Sendungsnummer {tracking}",
        "link": "Ihre Bestellung im Shop:",
        "closing": "Tongnan Parts Exchange",
    },
}


@dataclass(frozen=True)
class Recipient:
    email: str
    locale: str


def _money(value: dict[str, Any] | None, lang: str) -> str:
    if not value:
        return ""
    return Money(int(value["amount"]), str(value["currency"])).format(lang)


def order_message(
    event_id: str, event_type: str, data: dict[str, Any], recipient: Recipient, *, sender: str, shop_origin: str
) -> EmailMessage:
    """The e-mail for one order event. Its Message-ID is derived from the event id, so a copy
    that did go out twice is recognisably the same message to any mail client."""
    lang = language(recipient.locale)
    order = data["order"]
    number = order["number"]
    values = {
        "number": number,
        "total": _money(order.get("total"), lang),
        "refund": _money((data.get("refund") or {}).get("amount"), lang),
    }
    words = WORDS[lang]
    lines = [OPENINGS[lang][event_type].format(**values), "", f"{words['parts']}:"]
    for line in order.get("lines", []):
        lines.append(f"  {line['quantity']} × {line.get('title') or line['sku']} ({line['sku']})")
        if event_type == "order.shipped" and line.get("tracking_number"):
            lines.append("    " + words["tracking"].format(carrier=line["carrier"], tracking=line["tracking_number"]))
    lines += ["", words["link"], f"{shop_origin}/orders/{number}", "", words["closing"]]

    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient.email
    message["Subject"] = SUBJECTS[lang][event_type].format(**values)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{event_type}.{event_id}@tongnan.example>"
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = {"zh": "zh-Hans"}.get(lang, lang)  # after set_content, which clears Content-*
    return message
