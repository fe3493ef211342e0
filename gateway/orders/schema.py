"""Orders queries and mutations: quotes, checkout, payment, shipping and core returns."""

from __future__ import annotations

import datetime
from typing import Annotated, Any
from urllib.parse import quote as url_quote

import strawberry
from strawberry.types import Info

from gateway.addresses.graphql import shipping_snapshot
from gateway.context import Context
from gateway.ids import node_uuid
from gateway.mutations import call_upstream, mutation
from gateway.orders.types import (
    CardSetup,
    Carrier,
    CoreReturn,
    Currency,
    Incoterm,
    Order,
    OrderConnection,
    OrderEdge,
    PlaceOrderPayload,
    Quote,
    QuotePricing,
)
from gateway.permissions import SIGNED_IN
from gateway.types import PageAfter, PageInfo, PageSize
from services.common.errors import BadInput
from services.common.pagination import page_size
from services.orders.contract.checkout import CardSetupRead, OrderPage, PayResult, PlaceOrderRead
from services.orders.contract.fulfilment import CarrierRead
from services.orders.contract.quotes import QuotingCurrencyRead


@strawberry.input(description="One part of a cart to quote.")
class QuoteLineInput:
    part_id: strawberry.ID = strawberry.field(description="The part's global id.")
    quantity: int = strawberry.field(description="Units, 1 to 9,999.")


@strawberry.input(description="A cart to price, delivered to one country under one Incoterm.")
class QuoteInput:
    lines: list[QuoteLineInput] = strawberry.field(description="The cart's lines, 1 to 50.")
    destination_country: str = strawberry.field(description="ISO 3166-1 alpha-2")
    incoterm: Incoterm = strawberry.field(
        description="The delivery term; EXW is refused, and FOB and CIF with an air or rail service."
    )
    currency: str = strawberry.field(description="ISO 4217")
    shipping_service: str | None = strawberry.field(default=None, description="express or economy")
    date: datetime.date | None = strawberry.field(
        default=None,
        description="The day whose rules price the quote (default: today, UTC). A past day (a broker checking a "
        "shipment, a dispute about an old price) gives a quote that can be read, not ordered; the exchange rate is "
        "today's. A day after today, or before the destination's first rule, is refused (RULES_NOT_IN_FORCE).",
    )
    destination_region: str | None = strawberry.field(
        default=None,
        description="ISO 3166-2 subdivision of the delivery address (e.g. CA-ON); required for Canada, whose"
        " import tax depends on the province",
    )


@strawberry.type
class OrdersQuery:
    # Like GitHub's API, a lookup of something that is not the caller's (or not there) answers
    # null with a NOT_FOUND error, so an integrator learns why; `node(id:)` stays a plain null.
    @strawberry.field(
        description="The currencies quotes are made and paid in (CNY and every currency a rate is held for), "
        "by code. Public: a storefront offers exactly these."
    )
    async def currencies(self, info: Info[Context, None]) -> list[Currency]:
        context = info.context
        rows = await context.read_json(context.clients.orders, "/fx/currencies")
        return [Currency.of(QuotingCurrencyRead.model_validate(row), context.locale) for row in rows]

    @strawberry.field(description="One of your quotes; null and NOT_FOUND when it is not yours or not there.")
    async def quote(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The quote's global id.")],
    ) -> Quote | None:
        context = info.context
        context.require_principal()
        path = f"/quotes/{node_uuid(id, 'Quote', field='id')}"
        return Quote.from_json(await context.clients.orders.get_json(path, headers=context.upstream_headers()))

    @strawberry.field(
        description="How a quote's price was made: destination, Incoterm, date, the lines' HS codes and every rule "
        "with its source, without who asked for it. Public: the quote's id is random, so its link works like a "
        "receipt link a buyer sends to a customs broker. Null and NOT_FOUND when there is no such quote."
    )
    async def quote_pricing(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The quote's global id.")],
    ) -> QuotePricing | None:
        context = info.context
        # Anyone may ask (the per-address rate limit of every request applies); the orders service
        # shows any quote's pricing only to staff, so the gateway asks with its own credentials.
        path = f"/quotes/{node_uuid(id, 'Quote', field='id')}/pricing"
        return QuotePricing.from_json(await context.clients.orders.get_json(path, headers=context.system_headers()))

    @strawberry.field(
        description="One of your orders (a supplier: one with its lines); null and NOT_FOUND when it is not "
        "yours or not there."
    )
    async def order(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
    ) -> Order | None:
        context = info.context
        context.require_principal()
        path = f"/orders/{node_uuid(id, 'Order', field='id')}"
        return Order.from_json(await context.clients.orders.get_json(path, headers=context.upstream_headers()))

    @strawberry.field(
        description="One of your orders by its number (TN-2026-000123; case and the year's leading zeros do not"
        " matter); null and NOT_FOUND when it is not yours or not there."
    )
    async def order_by_number(
        self,
        info: Info[Context, None],
        number: Annotated[str, strawberry.argument(description="The order's number, e.g. TN-2026-000123.")],
    ) -> Order | None:
        context = info.context
        context.require_principal()
        if not number.strip() or len(number) > 40:
            raise BadInput("an order number looks like TN-2026-000123", field="number")
        path = f"/orders/by-number/{url_quote(number.strip(), safe='')}"
        return Order.from_json(await context.clients.orders.get_json(path, headers=context.upstream_headers()))

    @strawberry.field(description="The carriers markShipped takes, with the kinds of tracking number each has. Public.")
    async def carriers(self, info: Info[Context, None]) -> list[Carrier]:
        context = info.context
        rows = await context.read_json(context.clients.orders, "/carriers")
        carriers = [CarrierRead.model_validate(row) for row in rows]
        return [Carrier(code=c.code, name=c.name, aliases=c.aliases, formats=c.formats) for c in carriers]

    @strawberry.field(description="Your orders, newest first (a supplier: the orders with its lines).")
    async def my_orders(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> OrderConnection:
        context = info.context
        context.require_principal()
        params: dict[str, Any] = {"first": page_size(first)}
        if after:
            params["after"] = after
        page = OrderPage.model_validate(
            await context.clients.orders.get_json("/orders", params=params, headers=context.upstream_headers())
        )
        return OrderConnection(
            edges=[OrderEdge(node=Order.of(e.node), cursor=e.cursor) for e in page.edges],
            page_info=PageInfo(has_next_page=page.page_info.has_next_page, end_cursor=page.page_info.end_cursor),
        )


async def _order_action(
    info: Info[Context, None],
    order_id: strawberry.ID,
    action: str,
    body: Any,
    *,
    field: str = "orderId",
    fields: dict[str, str] | None = None,
) -> Order:
    uuid_ = node_uuid(order_id, "Order", field=field)
    data = await call_upstream(
        info.context, info.context.clients.orders, "POST", f"/orders/{uuid_}/{action}", json=body, fields=fields
    )
    return Order.from_json(data)


@strawberry.type
class OrdersMutation:
    @mutation(
        allow=SIGNED_IN,
        description="A landed-cost quote for a cart, locked (rate, duty, VAT) for 15 minutes.",
    )
    async def create_quote(
        self,
        info: Info[Context, None],
        input: Annotated[QuoteInput, strawberry.argument(description="The cart, destination and terms.")],
    ) -> Quote:
        body: dict[str, Any] = {
            "lines": [
                {"part_id": node_uuid(line.part_id, "Part", field=f"input.lines.{i}.partId"), "quantity": line.quantity}
                for i, line in enumerate(input.lines)
            ],
            "destination_country": input.destination_country,
            "incoterm": input.incoterm.value,
            "currency": input.currency,
            "shipping_service": input.shipping_service,
            "destination_region": input.destination_region,
        }
        if input.date is not None:
            body["date"] = input.date.isoformat()
        return Quote.from_json(
            await call_upstream(info.context, info.context.clients.orders, "POST", "/quotes", json=body)
        )

    @mutation(
        allow=SIGNED_IN,
        description="Order what a quote priced: stock reserved, card payment started. The same key twice "
        "returns the same order.",
    )
    async def place_order(
        self,
        info: Info[Context, None],
        quote_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="One of your quotes, unexpired and not dated (a past day's rules)."),
        ],
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="8 to 200 characters the client makes once per order it means (a UUID); a retry "
                "sends the same key and gets the same order."
            ),
        ],
        shipping_address_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="One of your addresses (addressCreate), in the quote's destination country. The order "
                "keeps a copy: later edits of the address book do not change it."
            ),
        ] = None,
    ) -> PlaceOrderPayload:
        body: dict[str, Any] = {
            "quote_id": node_uuid(quote_id, "Quote", field="quoteId"),
            "idempotency_key": idempotency_key,
        }
        if shipping_address_id is not None:
            body["shipping_address"] = await shipping_snapshot(info, shipping_address_id, field="shippingAddressId")
        placed = PlaceOrderRead.model_validate(
            await call_upstream(
                info.context,
                info.context.clients.orders,
                "POST",
                "/orders",
                json=body,
                fields={"shipping_address": "shippingAddressId"},
            )
        )
        return PlaceOrderPayload(
            order=Order.of(placed.order), client_secret=placed.client_secret, publishable_key=placed.publishable_key
        )

    @mutation(
        allow=SIGNED_IN,
        description="A SetupIntent for the buyer's browser to collect a card with Stripe.js.",
    )
    async def start_card_setup(self, info: Info[Context, None]) -> CardSetup:
        setup = CardSetupRead.model_validate(
            await call_upstream(info.context, info.context.clients.orders, "POST", "/card-setups", json={})
        )
        return CardSetup(client_secret=setup.client_secret, publishable_key=setup.publishable_key or "")

    @mutation(
        allow=SIGNED_IN, description="Pay with the card set up in the browser; PAID follows from Stripe's signed event."
    )
    async def pay_order(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
        payment_method_id: Annotated[
            str, strawberry.argument(description="The Stripe PaymentMethod (pm_...) the card setup produced.")
        ],
    ) -> Order:
        uuid_ = node_uuid(order_id, "Order", field="orderId")
        paid = PayResult.model_validate(
            await call_upstream(
                info.context,
                info.context.clients.orders,
                "POST",
                f"/orders/{uuid_}/pay",
                json={"payment_method_id": payment_method_id},
            )
        )
        order = Order.of(paid.order)
        order.requires_action = paid.requires_action
        order.action_client_secret = paid.client_secret if paid.requires_action else None
        return order

    @mutation(
        allow=SIGNED_IN,
        description="Cancel before shipment; a paid order is refunded.",
    )
    async def cancel_order(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why, kept in the status history; at most 500 characters.")
        ] = None,
    ) -> Order:
        return await _order_action(info, id, "cancel", {"reason": reason} if reason else {}, field="id")

    @mutation(
        allow=SIGNED_IN,
        description="A supplier ships its lines of an order. The carrier is named by its code, name or an alias "
        "(`carriers` lists them) and the tracking number must have one of that carrier's formats: BAD_USER_INPUT "
        "naming `carrier` or `trackingNumber` otherwise.",
    )
    async def mark_shipped(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
        carrier: Annotated[str, strawberry.argument(description="The carrier's code, name or an alias (`DHL`).")],
        tracking_number: Annotated[
            str, strawberry.argument(description="The carrier's tracking number: letters, digits, spaces, dashes.")
        ],
    ) -> Order:
        body = {"carrier": carrier, "tracking_number": tracking_number}
        return await _order_action(info, order_id, "ship", body, fields={"tracking_number": "trackingNumber"})

    @mutation(
        allow=SIGNED_IN,
        description="An admin records that a shipped order arrived (every line): the order is DELIVERED, its "
        "payout clock starts and its core deposits may be returned. Suppliers are refused (FORBIDDEN): the buyer "
        "confirms delivery (confirmDelivery), or it follows automatically some days after shipment.",
    )
    async def mark_delivered(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
    ) -> Order:
        return await _order_action(info, order_id, "deliver", {})

    @mutation(
        allow=SIGNED_IN,
        description="The buyer confirms that a shipped order arrived (an admin may for them): the order is "
        "DELIVERED and the suppliers' payout clock starts. Confirming again changes nothing.",
    )
    async def confirm_delivery(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="One of your orders, SHIPPED.")],
    ) -> Order:
        return await _order_action(info, order_id, "confirm-delivery", {})

    @mutation(
        allow=SIGNED_IN,
        description="The buyer reports that a shipped order has not arrived: it is then not delivered "
        "automatically, and our staff follow it up with the carrier. Reporting again changes nothing.",
    )
    async def report_non_delivery(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="One of your orders, SHIPPED.")],
        note: Annotated[
            str, strawberry.argument(description="What the buyer wants us to know (at most 1000 characters).")
        ] = "",
    ) -> Order:
        return await _order_action(info, order_id, "non-delivery", {"note": note})

    @mutation(
        allow=SIGNED_IN,
        description="A buyer sends the old part back for the core deposit.",
    )
    async def request_core_return(
        self,
        info: Info[Context, None],
        order_line_id: Annotated[
            strawberry.ID, strawberry.argument(description="The delivered order line whose core deposit to return.")
        ],
    ) -> CoreReturn:
        body = {"order_line_id": node_uuid(order_line_id, "OrderLine", field="orderLineId")}
        return CoreReturn.from_json(
            await call_upstream(info.context, info.context.clients.orders, "POST", "/core-returns", json=body)
        )

    @mutation(
        allow=SIGNED_IN, description="The supplier or hub inspects a returned core; accepted refunds the deposit."
    )
    async def receive_core_return(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The core return's global id.")],
        accepted: Annotated[
            bool, strawberry.argument(description="True: the core is usable and (part of) its deposit refunded.")
        ],
        accepted_share_pct: Annotated[
            int | None,
            strawberry.argument(
                description="With accepted: the share of the deposit refunded, 0 to 100 (100 when none)."
            ),
        ] = None,
        note: Annotated[str | None, strawberry.argument(description="What the inspection found.")] = None,
    ) -> CoreReturn:
        uuid_ = node_uuid(id, "CoreReturn", field="id")
        body: dict[str, Any] = {"accepted": accepted}
        if accepted_share_pct is not None:
            body["accepted_share_pct"] = accepted_share_pct
        if note:
            body["note"] = note
        return CoreReturn.from_json(
            await call_upstream(
                info.context, info.context.clients.orders, "POST", f"/core-returns/{uuid_}/decision", json=body
            )
        )
