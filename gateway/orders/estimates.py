"""Estimated landed prices before any quote (the orders service's /estimates): a part's
cheapest price delivered to a country, and a cart's price with each shipping service."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.ids import node_uuid
from gateway.loaders import part_facts
from gateway.types import Money
from services.common.errors import BadInput
from services.orders.contract.quotes import CartEstimateRead, OptionRead


def country_code(value: str, field: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise BadInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field=field)
    return code


def currency_code(value: str | None, field: str) -> str:
    code = (value or "CNY").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise BadInput(f"{value!r} is not an ISO 4217 currency code", field=field)
    return code


@strawberry.type(
    description="A price delivered to the door with one shipping service, duty and import tax included "
    "(as under DDP). An estimate at today's rate and rules: a quote locks the price."
)
class ShippingOption:
    service: str = strawberry.field(description="express or economy")
    transit_days: str = strawberry.field(description="Door to door, in days, e.g. `4-8`.")
    goods: Money = strawberry.field(description="The parts at the quote's rate.")
    shipping: Money = strawberry.field(description="Shipping, origin handling and insurance.")
    duty: Money = strawberry.field(description="Import duty and customs fees.")
    vat: Money = strawberry.field(description="Import VAT, GST or sales tax.")
    total: Money = strawberry.field(description="All of the above; the refundable core deposit is not included.")

    @classmethod
    def of(cls, option: OptionRead, locale: str) -> ShippingOption:
        return cls(
            service=option.service,
            transit_days=option.transit_days,
            goods=Money.read(option.goods, locale),
            shipping=Money.read(option.shipping, locale),
            duty=Money.read(option.duty, locale),
            vat=Money.read(option.vat, locale),
            total=Money.read(option.total, locale),
        )


@strawberry.type(description="An estimated landed price of one unit of a part, with its cheapest shipping.")
class LandedEstimate:
    country: str = strawberry.field(description="The destination, ISO 3166-1 alpha-2.")
    cheapest: ShippingOption | None = strawberry.field(
        description="Null when the part cannot be quoted to the country; `unavailable` says why."
    )
    unavailable: str | None = strawberry.field(
        description="Why there is no estimate, as an error code (NO_TARIFF_RULE, DESTINATION_NOT_SERVED ...)."
    )


@strawberry.type(description="A cart's subtotal and its landed price with each shipping service, before a quote.")
class CartEstimate:
    destination_country: str = strawberry.field(description="The destination, ISO 3166-1 alpha-2.")
    subtotal: Money = strawberry.field(description="The parts, before shipping, duty and tax.")
    core_deposit: Money = strawberry.field(description="Refundable deposits for the old parts.")
    options: list[ShippingOption] = strawberry.field(
        description="Every service that may carry the cart, cheapest first."
    )


@strawberry.input(description="One part of a cart to estimate.")
class CartLineInput:
    part_id: strawberry.ID = strawberry.field(description="The part's global id.")
    quantity: int = strawberry.field(description="Units, 1 to 9,999.")


@strawberry.type
class EstimatesQuery:
    @strawberry.field(
        description="A cart's subtotal and shipping options (price and delivery time, cheapest first), "
        "duty and tax included; anyone may ask, no quote is made."
    )
    async def cart_estimate(
        self,
        info: Info[Context, None],
        lines: Annotated[list[CartLineInput], strawberry.argument(description="The cart's lines, 1 to 50.")],
        destination_country: Annotated[str, strawberry.argument(description="ISO 3166-1 alpha-2 (`DE`).")],
        currency: Annotated[str, strawberry.argument(description="ISO 4217 code of the estimate (`EUR`).")],
    ) -> CartEstimate:
        context = info.context
        country = country_code(destination_country, "destinationCountry")
        wanted = currency_code(currency, "currency")
        if not 1 <= len(lines) <= 50:
            raise BadInput("a cart holds 1 to 50 lines", field="lines")
        ids = [node_uuid(line.part_id, "Part", field=f"lines.{i}.partId") for i, line in enumerate(lines)]
        parts = await context.loaders.part.load_many(ids)
        facts = []
        for i, (line, part) in enumerate(zip(lines, parts, strict=True)):
            if part is None:
                raise BadInput("no such part", field=f"lines.{i}.partId")
            if not 1 <= line.quantity <= 9_999:
                raise BadInput("a quantity is 1 to 9999", field=f"lines.{i}.quantity")
            facts.append(part_facts(part, line.quantity))
        estimate = CartEstimateRead.model_validate(
            await context.read_json(
                context.clients.orders,
                "/estimates/cart",
                body={"destination_country": country, "currency": wanted, "parts": facts},
            )
        )
        locale = context.locale
        return CartEstimate(
            destination_country=estimate.destination_country,
            subtotal=Money.read(estimate.subtotal, locale),
            core_deposit=Money.read(estimate.core_deposit, locale),
            options=[ShippingOption.of(option, locale) for option in estimate.options],
        )
