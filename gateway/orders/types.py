"""Quote, Order and their parts as integrators see them."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

import strawberry
from babel.numbers import get_currency_name, get_currency_symbol
from strawberry import relay
from strawberry.types import Info

from gateway.addresses.graphql import ShippingAddress
from gateway.catalog.types import Part, Supplier
from gateway.context import Context
from gateway.ids import global_id
from gateway.orders.part_returns import PartReturn
from gateway.types import Money, PageInfo
from services.common.errors import BadInput
from services.common.money import Money as MoneyValue
from services.orders.contract.checkout import DisputeRead, OrderLineRead, OrderRead
from services.orders.contract.fulfilment import CoreReturnRead, DangerousGoodsRead, PartReturnRead
from services.orders.contract.quotes import (
    PricingRuleRead,
    QuoteLineRead,
    QuotePricingRead,
    QuoteRead,
    QuotingCurrencyRead,
)
from services.orders.contract.shared import Amounts as AmountsRead
from services.orders.contract.shared import MoneyRead
from services.orders.contract.statuses import CoreReturnStatus, PaymentStatus


@strawberry.enum(description="Delivery terms of a quote or an order, Incoterms 2020 (ICC Publication 723E).")
class Incoterm(Enum):
    EXW = strawberry.enum_value(
        "EXW",
        description="Ex works Tongnan. Not offered to buyers abroad (a quote with it is refused with "
        "INCOTERM_NOT_OFFERED): the buyer would have to clear export in China; use FCA. Kept for old orders.",
    )
    FCA = strawberry.enum_value(
        "FCA",
        description="Free carrier Chongqing: goods and origin handling; we clear export in China and hand the "
        "goods to the carrier. Any transport mode. Duty and import tax are not quoted.",
    )
    FOB = strawberry.enum_value(
        "FOB",
        description="Free on board Chongqing (Guoyuan port): as FCA, on board the vessel. Sea and inland "
        "waterway only: refused (INCOTERM_NOT_FOR_MODE) with an air or rail shipment; use FCA.",
    )
    CIF = strawberry.enum_value(
        "CIF",
        description="Cost, insurance and freight: FOB plus sea carriage to the port of destination and "
        "insurance on at least ICC (C) for 110 % of the price. Sea and inland waterway only; use CIP otherwise. "
        "Duty and import tax are estimates payable by the buyer.",
    )
    CIP = strawberry.enum_value(
        "CIP",
        description="Carriage and insurance paid to the airport, port or rail terminal of destination, "
        "insured on ICC (A) for 110 % of the price. Any mode; the term for air. Duty and import tax are "
        "estimates payable by the buyer.",
    )
    DAP = strawberry.enum_value(
        "DAP",
        description="Delivered at place: CIP's carriage plus delivery to the buyer's door. Duty and import tax "
        "are estimates payable by the buyer on arrival.",
    )
    DDP = strawberry.enum_value(
        "DDP",
        description="Delivered duty paid: as DAP, with duty and import tax collected at checkout and paid by "
        "us on import.",
    )


@strawberry.enum(description="Sanctions screening of an order's parties when it was placed.")
class ScreeningStatus(Enum):
    CLEAR = strawberry.enum_value("CLEAR", description="No potential match on the lists.")
    HELD = strawberry.enum_value(
        "HELD", description="A potential match: the order is under review and is not shipped until it is cleared."
    )
    CLEARED = strawberry.enum_value("CLEARED", description="An admin found the match false; the order goes on.")
    CONFIRMED = strawberry.enum_value(
        "CONFIRMED", description="An admin confirmed the match: the order is cancelled and refunded."
    )


@strawberry.enum(description="The shipping documents a supplier prints for an order.")
class ShippingDocumentKind(Enum):
    PACKING_SLIP = strawberry.enum_value(
        "PACKING_SLIP", description="What is in the parcel, line by line, to pack it and check it on arrival."
    )
    COMMERCIAL_INVOICE = strawberry.enum_value(
        "COMMERCIAL_INVOICE",
        description="The invoice customs clear the goods by: seller, consignee, HS codes, origin and values.",
    )


@strawberry.type(description="A generated document, its bytes in base64.")
class ShippingDocument:
    filename: str = strawberry.field(description="A file name to save it under.")
    content_type: str = strawberry.field(description="Its media type: `application/pdf`.")
    content_base64: str = strawberry.field(description="The PDF's bytes, base64-encoded.")


@strawberry.enum(
    description="Where an order stands. It moves PENDING_PAYMENT, PAID, SHIPPED, DELIVERED, COMPLETED; it may be "
    "CANCELLED before it ships. A refund shows as REFUNDED or PARTIALLY_REFUNDED in place of the status."
)
class OrderStatus(Enum):
    PENDING_PAYMENT = strawberry.enum_value(
        "PENDING_PAYMENT",
        description="Placed and its stock reserved (or being reserved); waiting for the card payment.",
    )
    PAID = strawberry.enum_value("PAID", description="Paid (Stripe confirmed it); the suppliers ship.")
    SHIPPED = strawberry.enum_value("SHIPPED", description="Every line is shipped.")
    DELIVERED = strawberry.enum_value(
        "DELIVERED",
        description="Arrived: confirmed by the buyer or an admin, or some days after shipment with no objection.",
    )
    COMPLETED = strawberry.enum_value("COMPLETED", description="Closed by the buyer or an admin after delivery.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Cancelled before shipment; any payment is refunded.")
    REFUNDED = strawberry.enum_value("REFUNDED", description="Its whole payment was refunded.")
    PARTIALLY_REFUNDED = strawberry.enum_value("PARTIALLY_REFUNDED", description="Part of its payment was refunded.")


@strawberry.type(description="A currency quotes are made and paid in.")
class Currency:
    code: str = strawberry.field(description="ISO 4217")
    name: str = strawberry.field(description="in the caller's locale (Accept-Language), from CLDR")
    symbol: str = strawberry.field(description="in the caller's locale, e.g. € or US$")
    minor_unit_digits: int = strawberry.field(description="digits of Money.amount's minor unit: JPY 0, EUR 2, KWD 3")
    rate_source: str = strawberry.field(description="where the rate against CNY comes from")

    @classmethod
    def of(cls, currency: QuotingCurrencyRead, locale: str) -> Currency:
        return cls(
            code=currency.code,
            name=str(get_currency_name(currency.code, locale=locale)),
            symbol=str(get_currency_symbol(currency.code, locale=locale)),
            minor_unit_digits=currency.minor_unit_digits,
            rate_source=currency.rate_source,
        )


# The orders service's statuses the public enum shows as another.
PUBLIC_STATUS = {"RESERVING": "PENDING_PAYMENT"}


def money(context: Context, value: MoneyRead) -> Money:
    return Money.read(value, context.locale)


async def _part(info: Info[Context, None], part_id: str) -> Part:
    data = await info.context.loaders.part.load(part_id)
    if data is None:
        raise LookupError(f"part {part_id} not found")
    return Part.from_json(data)


async def _supplier(info: Info[Context, None], supplier_id: str) -> Supplier:
    data = await info.context.loaders.supplier.load(supplier_id)
    if data is None:
        raise LookupError(f"supplier {supplier_id} not found")
    return Supplier.from_json(data)


@strawberry.interface(description="The landed-cost amounts of a quote, an order or one of their lines.")
class Amounts:
    data: strawberry.Private[AmountsRead]

    @strawberry.field(description="The parts, in the quote's currency.")
    def goods(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.goods)

    @strawberry.field(description="Refundable deposit for the old parts (cores); back when they are returned.")
    def core_deposit(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.core_deposit)

    @strawberry.field(description="The shipping the Incoterm puts in the price (a quote splits it in `shippingLegs`).")
    def shipping(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.shipping)

    @strawberry.field(
        description="Cargo insurance in the price where the term carries the goods abroad (CIF, CIP, DAP, DDP); zero "
        "under FCA and FOB."
    )
    def insurance(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.insurance)

    @strawberry.field(
        description="Import duty and customs fees (the US merchandise processing and harbor maintenance fees,"
        " Mexico's DTA); collected at checkout under DDP, an estimate otherwise."
    )
    def duty(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.duty)

    @strawberry.field(
        description="VAT or GST; collected at checkout under DDP or a point-of-sale regime (`taxScheme`),"
        " an estimate payable on import otherwise."
    )
    def vat(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.vat)

    @strawberry.field(
        description="What the buyer pays us; under DAP duty and import VAT are not in it (a VAT collected under"
        " a point-of-sale regime is)."
    )
    def total(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.total)


@strawberry.type(description="One duty measure on a quote line: MFN, a trade agreement's rate, or an added duty.")
class DutyMeasure:
    measure: str = strawberry.field(description="MFN, an agreement (RCEP, ChAFTA ...) or a duty (US Section 301 ...).")
    tariff_line: str = strawberry.field(description="The tariff-line prefix of the row that applies.")
    rate: str = strawberry.field(description="Ad valorem rate, as a decimal string (0.045 = 4.5 %).")
    origin_certificate: str | None = strawberry.field(
        description="The certificate-of-origin scheme a preferential rate rests on (CO_RCEP ...); null otherwise."
    )


@strawberry.type(description="One part of a quote, with its share of the amounts and the duty it was quoted at.")
class QuoteLine(Amounts):
    quantity: int = strawberry.field(description="Units of the part.")
    data: strawberry.Private[QuoteLineRead]
    # The line of the landed-cost breakdown (the quote's detail), for the tariff facts.
    breakdown: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The part quoted.")
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, str(self.data.part_id))

    @strawberry.field(
        description="The destination's national tariff line the duty was read at (the 6-digit subheading where "
        "none is mapped)."
    )
    def national_line(self) -> str | None:
        value = self.breakdown.get("nationalLine")
        return None if value is None else str(value)

    @strawberry.field(description="The part's country of origin the duty was quoted for (ISO 3166-1 alpha-2).")
    def origin(self) -> str | None:
        value = self.breakdown.get("origin")
        return None if value is None else str(value)

    @strawberry.field(description="The duty measures that price the line, MFN or the preference in its place first.")
    def duty_measures(self) -> list[DutyMeasure]:
        return [
            DutyMeasure(
                measure=str(m["measure"]),
                tariff_line=str(m["hsPrefix"]),
                rate=str(m["rate"]),
                origin_certificate=m.get("scheme"),
            )
            for m in self.breakdown.get("dutyMeasures", [])
        ]


def _breakdown(quote: QuoteRead, i: int) -> dict[str, Any]:
    """The landed-cost breakdown's line `i` (the quote's lines are in the breakdown's order)."""
    lines = quote.detail.get("lines") or []
    return dict(lines[i]) if i < len(lines) else {}


@strawberry.type(description="One rule row that priced a quote: which table and row, what it said, and its source.")
class PricingRule:
    table: str = strawberry.field(
        description="The rule table the row is in: destinations, duty_rates, import_taxes, de_minimis, shipping, "
        "insurance, origin_handling, dangerous_goods_surcharge, dangerous_goods, or a table added later."
    )
    key: str = strawberry.field(
        description="Which row of the table, e.g. 'US CN US Section 301 8708' (territory, origin, measure, HS prefix)."
    )
    says: str = strawberry.field(description="What the row contributed to the price, e.g. '0.25' or 'VAT 0.19'.")
    source: str = strawberry.field(
        description="The instrument (and its date) the row comes from, with a URL where known."
    )
    valid_from: date = strawberry.field(description="The first day the row is in force.")
    valid_to: date | None = strawberry.field(
        description="The last day the row is in force; null: until further notice."
    )

    @classmethod
    def of(cls, rule: PricingRuleRead) -> PricingRule:
        return cls(
            table=rule.table,
            key=rule.key,
            says=rule.says,
            source=rule.source,
            valid_from=rule.valid_from,
            valid_to=rule.valid_to,
        )


@strawberry.type(description="A line of a quote as a customs broker reads it: no part names, no supplier.")
class QuotePricingLine:
    category: str = strawberry.field(description="The catalog category of the part.")
    hs_code: str = strawberry.field(description="The HS code (6 to 10 digits) the line was classified under.")
    quantity: int = strawberry.field(description="How many units of the part the line holds.")
    duty_rate: str = strawberry.field(description="The duty rates of every measure on the line, added, as a decimal.")
    vat_rate: str = strawberry.field(description="The import VAT / GST rate, as a decimal.")


@strawberry.type(
    description="How a quote's price was made, for anyone holding the quote's link (a buyer sends it to a customs "
    "broker): destination, Incoterm, the rules' date, the lines' HS codes and every rule with its source. "
    "Nothing of who asked for the quote."
)
class QuotePricing:
    id: strawberry.ID = strawberry.field(description="The quote's id.")
    destination_country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    customs_territory: str = strawberry.field(description="The customs territory whose tariff applies (EU, GCC ...).")
    incoterm: Incoterm = strawberry.field(description="The Incoterms 2020 rule the quote was priced under.")
    shipping_service: str = strawberry.field(description="The shipping service priced (express or economy).")
    currency: str = strawberry.field(description="ISO 4217: the currency the quote is in.")
    date: date = strawberry.field(description="The day whose rules priced the quote.")
    dated: bool = strawberry.field(description="Priced by the rules of a past day: readable, not orderable.")
    fx_rate: str = strawberry.field(description="CNY -> currency, margin included, as a decimal string.")
    fx_source: str = strawberry.field(description="Where the exchange rate comes from (the ECB's reference rates).")
    fx_as_of: datetime = strawberry.field(description="When the exchange rate was published.")
    created_at: datetime = strawberry.field(description="When the quote was made.")
    lines: list[QuotePricingLine] = strawberry.field(description="The quote's lines, in order.")
    priced_by: list[PricingRule] = strawberry.field(description="Every rule row that priced the quote, in order.")
    notes: list[str] = strawberry.field(
        description="What the quote says about its figures: Incoterm, low-value relief, core deposit, date."
    )

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> QuotePricing:
        """The orders service's pricing of a quote, parsed with its contract."""
        pricing = QuotePricingRead.model_validate(json)
        return cls(
            id=strawberry.ID(global_id("Quote", str(pricing.id))),
            destination_country=pricing.destination_country,
            customs_territory=pricing.customs_territory,
            incoterm=Incoterm(pricing.incoterm),
            shipping_service=pricing.shipping_service,
            currency=pricing.currency,
            date=pricing.date,
            dated=pricing.dated,
            fx_rate=pricing.fx_rate,
            fx_source=pricing.fx_source,
            fx_as_of=pricing.fx_as_of,
            created_at=pricing.created_at,
            lines=[
                QuotePricingLine(
                    category=line.category,
                    hs_code=line.hs_code,
                    quantity=line.quantity,
                    duty_rate=line.duty_rate,
                    vat_rate=line.vat_rate,
                )
                for line in pricing.lines
            ],
            priced_by=[PricingRule.of(rule) for rule in pricing.priced_by],
            notes=pricing.notes,
        )


@strawberry.type(
    description="A landed-cost price for a cart delivered to one country: goods, shipping, insurance, duty and "
    "VAT in one currency, locked for a while (see `expiresAt`); placeOrder orders it. Visible to the buyer who made it."
)
class Quote(relay.Node, Amounts):
    id: relay.NodeID[str]
    data: strawberry.Private[QuoteRead]
    destination_country: str = strawberry.field(description="Where the cart is delivered, ISO 3166-1 alpha-2.")
    incoterm: Incoterm = strawberry.field(description="The delivery term the quote was priced under.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount of the quote.")
    fx_rate: str = strawberry.field(description="CNY -> currency, margin included, as a decimal string.")
    fx_as_of: datetime = strawberry.field(description="When the exchange rate was published (the ECB's date).")
    fx_stale: bool = strawberry.field(
        description="The rate is older than the platform's freshness limit (the rate feed is late); still quoted."
    )
    fx_offline_fallback: bool = strawberry.field(
        description="The rate is from the bundled snapshot: the ECB could not be reached."
    )
    expires_at: datetime = strawberry.field(
        description="Until then the price holds and the quote can be ordered (15 minutes after it was made by default)."
    )
    expired: bool = strawberry.field(description="Past `expiresAt`: placeOrder refuses it; ask for a new quote.")
    shipping_service: str = strawberry.field(description="The shipping service priced: express or economy.")
    duty_status: str = strawberry.field(description="collected (DDP), estimated (payable on arrival) or not_quoted.")
    notes: list[str] = strawberry.field(
        description="What the quote says about its figures: Incoterm, low-value relief, core deposit, date."
    )
    lines: list[QuoteLine] = strawberry.field(description="The cart's lines, in the order they were sent.")
    date: date = strawberry.field(description="The day whose rules priced the quote (today unless one was asked).")
    dated: bool = strawberry.field(
        description="Priced by the rules of a past day: it can be read, not ordered (placeOrder answers QUOTE_DATED)."
    )
    priced_by: list[PricingRule] = strawberry.field(
        description="Every rule row that priced the quote (duty, import tax, thresholds, shipping, insurance), "
        "with its source and dates. The same list, without the buyer, is public under quotePricing."
    )

    @strawberry.field(description="The ISO 3166-2 subdivision the import tax was taken for (e.g. CA-ON), if any.")
    def destination_region(self) -> str | None:
        return self.data.destination_region

    @strawberry.field(
        description="The point-of-sale regime the VAT/GST is collected under at checkout, whatever the Incoterm"
        " (GB_VAT_POS, AU_GST_LVG, NZ_GST_LVG, NO_VOEC, CH_VAT_MAIL_ORDER, SG_GST_OVR_LVG, EU_IOSS); null when the"
        " tax is paid on import."
    )
    def tax_scheme(self) -> str | None:
        return self.data.tax_scheme

    @strawberry.field(description="Our registration number under `taxScheme`.")
    def tax_registration(self) -> str | None:
        return self.data.tax_registration

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Quote:
        """The orders service's quote, parsed with its contract (once: the resolvers read the model)."""
        quote = QuoteRead.model_validate(json)
        return cls(
            id=str(quote.id),
            data=quote,
            destination_country=quote.destination_country,
            incoterm=Incoterm(quote.incoterm),
            currency=quote.currency,
            fx_rate=quote.fx_rate,
            fx_as_of=quote.fx_as_of,
            fx_stale=quote.fx_stale,
            fx_offline_fallback=quote.fx_offline_fallback,
            expires_at=quote.expires_at,
            expired=quote.expired,
            shipping_service=quote.shipping_service,
            duty_status=quote.duty_status,
            notes=quote.notes,
            lines=[
                QuoteLine(data=line, quantity=line.quantity, breakdown=_breakdown(quote, i))
                for i, line in enumerate(quote.lines)
            ],
            date=quote.date,
            dated=quote.dated,
            priced_by=[PricingRule.of(rule) for rule in quote.priced_by],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Quote | None]:
        return await orders_nodes(info.context, "quotes", node_ids, cls.from_json)

    @strawberry.field(
        description="air, sea or rail: how the shipping service travels to the destination (economy to Europe "
        "is China-Europe rail). FOB and CIF are quoted for sea only."
    )
    def transport_mode(self) -> str | None:
        return self.data.detail.get("transportMode")

    @strawberry.field(
        description="The cargo insurance in the price: CIF ICC (C) and CIP ICC (A), both on 110 % of the price "
        "(Incoterms 2020 A5); null under FCA and FOB, where the buyer insures, and DAP/DDP, where we carry the risk."
    )
    def insurance_cover(self) -> str | None:
        return self.data.detail.get("insuranceCover")

    @strawberry.field(description="The shipping legs the Incoterm puts in the total; they add up to `shipping`.")
    def shipping_legs(self, info: Info[Context, None]) -> ShippingLegs:
        legs = self.data.detail.get("shippingLegs", {})

        def leg(name: str) -> Money | None:
            # The breakdown is the landed-cost engine's own JSON, untyped in the contract: a leg
            # is `{amount, currency}`, without the service's formatting.
            if name not in legs:
                return None
            value = MoneyValue(int(legs[name]["amount"]), str(legs[name]["currency"]))
            return Money.of(value, info.context.locale)

        return ShippingLegs(
            origin_handling=leg("originHandling"), main_carriage=leg("mainCarriage"), delivery=leg("delivery")
        )


@strawberry.type(
    description="Shipping split as the Incoterms divide it; a leg the Incoterm leaves to the buyer is null."
)
class ShippingLegs:
    origin_handling: Money | None = strawberry.field(
        description="Export clearance in China and delivery to the carrier at Chongqing (all terms)."
    )
    main_carriage: Money | None = strawberry.field(
        description="Carriage to the airport, port or rail terminal of destination (CIF, CIP, DAP, DDP); part of "
        "the customs value where it is CIF."
    )
    delivery: Money | None = strawberry.field(
        description="On-carriage from there to the door (DAP, DDP); never part of the customs value."
    )


@strawberry.type(description="How a line was shipped: the carrier and its tracking number.")
class Shipment:
    carrier: str = strawberry.field(description="The carrier's name as we know it (see `carriers`).")
    tracking_number: str = strawberry.field(description="As the carrier prints it, without spaces.")
    shipped_at: datetime = strawberry.field(description="When the supplier recorded the shipment.")
    tracking_url: str | None = strawberry.field(
        default=None,
        description="The carrier's page following this shipment; null for a carrier without one (other sea "
        "freight) or a shipment recorded under a carrier we do not know.",
    )


@strawberry.type(description="A carrier suppliers ship with, and the tracking numbers it takes.")
class Carrier:
    code: str = strawberry.field(
        description="Stable code, e.g. DHL_EXPRESS; markShipped takes it, the name or an alias."
    )
    name: str = strawberry.field(description="The name shipments show, e.g. DHL Express.")
    aliases: list[str] = strawberry.field(description="Other names markShipped accepts for it (DHL, 顺丰 ...).")
    formats: list[str] = strawberry.field(description="The kinds of number it takes (waybill, container ...).")


@strawberry.type(
    description="A card payment disputed by the buyer's bank (a chargeback), as Stripe reports it; one per "
    "Stripe dispute, at the state of its newest event."
)
class Dispute:
    id: strawberry.ID = strawberry.field(description="Our id of the dispute; the cursor of `disputes`.")
    stripe_dispute_id: str = strawberry.field(description="Stripe's id (dp_...).")
    reason: str = strawberry.field(description="Stripe's reason: fraudulent, product_not_received, duplicate ...")
    status: str = strawberry.field(
        description="Stripe's status: needs_response, under_review, won, lost, or warning_needs_response, "
        "warning_under_review, warning_closed (an inquiry before a chargeback)."
    )
    evidence_due_by: datetime | None = strawberry.field(
        description="Stripe must have our evidence by then, or the dispute is lost."
    )
    created_at: datetime = strawberry.field(description="When we first heard of the dispute.")
    updated_at: datetime = strawberry.field(description="When a Stripe event last changed it.")
    data: strawberry.Private[DisputeRead]

    @classmethod
    def of(cls, dispute: DisputeRead) -> Dispute:
        return cls(
            id=strawberry.ID(str(dispute.id)),
            stripe_dispute_id=dispute.stripe_dispute_id,
            reason=dispute.reason,
            status=dispute.status,
            evidence_due_by=dispute.evidence_due_by,
            created_at=dispute.created_at,
            updated_at=dispute.updated_at,
            data=dispute,
        )

    @strawberry.field(description="The amount disputed, in the payment's currency.")
    def amount(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.amount)

    @strawberry.field(description="The order paid by the disputed charge; null if the charge is none of ours.")
    async def order(self, info: Info[Context, None]) -> Order | None:
        order_id = self.data.order_id
        if order_id is None:
            return None
        [found] = await orders_nodes(info.context, "orders", [str(order_id)], Order.from_json)
        return found


@strawberry.type(
    description="The buyer's old part (the core) going back for its deposit: sent to a hub by a deadline, "
    "inspected, and the deposit refunded in whole or in part."
)
class CoreReturn(relay.Node):
    id: relay.NodeID[str]
    status: str = strawberry.field(description="REQUESTED, ACCEPTED, PARTLY_ACCEPTED or REJECTED.")
    deadline: datetime = strawberry.field(description="The old part must reach the hub by then.")
    hub: strawberry.scalars.JSON = strawberry.field(description="Where to send the old part.")
    data: strawberry.Private[CoreReturnRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> CoreReturn:
        """The orders service's core return, parsed with its contract."""
        return cls.of(CoreReturnRead.model_validate(json))

    @classmethod
    def of(cls, core_return: CoreReturnRead) -> CoreReturn:
        return cls(
            id=str(core_return.id),
            status=core_return.status.value,
            deadline=core_return.deadline,
            # JSON is whatever the service sent; the contract has it as a dict.
            hub=cast(strawberry.scalars.JSON, core_return.hub),
            data=core_return,
        )

    @strawberry.field(description="The deposit refunded so far; null until the core is inspected.")
    def refund(self, info: Info[Context, None]) -> Money | None:
        if self.data.status == CoreReturnStatus.REQUESTED:
            return None
        return money(info.context, self.data.refunded)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[CoreReturn | None]:
        return await orders_nodes(info.context, "core-returns", node_ids, cls.from_json)


@strawberry.type(
    description="One part of an order, from one supplier; shipped and delivered on its own. Read through its order."
)
class OrderLine(relay.Node):
    id: relay.NodeID[str]
    quantity: int = strawberry.field(description="Units of the part.")
    status: str = strawberry.field(description="PENDING, SHIPPED, DELIVERED or CANCELLED.")
    data: strawberry.Private[OrderLineRead]
    core_return_data: strawberry.Private[CoreReturnRead | None]
    part_return_data: strawberry.Private[PartReturnRead | None] = None

    @strawberry.field(description="The part ordered.")
    async def part(self, info: Info[Context, None]) -> Part:
        return await _part(info, str(self.data.part_id))

    @strawberry.field(description="The supplier that ships the line.")
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await _supplier(info, str(self.data.supplier_id))

    @strawberry.field(description="What the line costs the buyer, in the order's currency.")
    def total(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.total)

    @strawberry.field(description="How the line was shipped; null until it is.")
    def shipment(self) -> Shipment | None:
        line = self.data
        if line.shipped_at is None or line.carrier is None or line.tracking_number is None:
            return None
        return Shipment(
            carrier=line.carrier,
            tracking_number=line.tracking_number,
            shipped_at=line.shipped_at,
            tracking_url=line.tracking_url,
        )

    @strawberry.field(description="The return of the old part for its deposit; null until the buyer asks for one.")
    def core_return(self) -> CoreReturn | None:
        return CoreReturn.of(self.core_return_data) if self.core_return_data else None

    @strawberry.field(description="The return of this line's part (wrong, faulty, not as described), if any.")
    def part_return(self) -> PartReturn | None:
        return PartReturn.of(self.part_return_data) if self.part_return_data else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[OrderLine | None]:
        raise BadInput("an order line is read through its order, not by its id", field="id")


@strawberry.type(description="One dangerous line of an order, as its dangerous-goods declaration needs it.")
class DangerousGoodsLine:
    line_no: int = strawberry.field(description="the order line's number")
    un_number: str = strawberry.field(description="UN3480 (lithium ion batteries) or UN3481 (contained in equipment)")
    proper_shipping_name: str = strawberry.field(description="The UN proper shipping name (`Lithium ion batteries`).")
    hazard_class: str = strawberry.field(description="The UN hazard class: 9 for lithium batteries.")
    packing_group: str | None = strawberry.field(description="null: none is assigned (lithium batteries)")
    packing_instruction: str = strawberry.field(description="P903 (IMDG Code, RID) or an IATA PI")
    regime: str = strawberry.field(description="the regulations and edition in force for the mode")
    net_quantity_per_package_kg: str = strawberry.field(description="decimal string; one unit per package")
    packages: int = strawberry.field(description="How many packages the line ships in.")
    state_of_charge: str | None = strawberry.field(description="air only: the state-of-charge requirement")
    source: str = strawberry.field(description="the instruments this classification and mode rule come from")


@strawberry.type(description="What a dangerous-goods declaration of the order needs (lithium batteries).")
class DangerousGoodsDeclaration:
    mode: str | None = strawberry.field(description="air, sea or rail")
    shipping_service: str | None = strawberry.field(description="express or economy, as the order was quoted.")
    emergency_contact: str | None = strawberry.field(description="null: not configured, do not ship")
    lines: list[DangerousGoodsLine] = strawberry.field(description="The dangerous lines the caller sees.")

    @classmethod
    def of(cls, declaration: DangerousGoodsRead) -> DangerousGoodsDeclaration:
        return cls(
            mode=declaration.mode,
            shipping_service=declaration.shipping_service,
            emergency_contact=declaration.emergency_contact,
            lines=[
                DangerousGoodsLine(
                    line_no=line.line_no,
                    un_number=line.un_number,
                    proper_shipping_name=line.proper_shipping_name,
                    hazard_class=line.hazard_class,
                    packing_group=line.packing_group,
                    packing_instruction=line.packing_instruction,
                    regime=line.regime,
                    net_quantity_per_package_kg=line.net_quantity_per_package_kg,
                    packages=line.packages,
                    state_of_charge=line.state_of_charge,
                    source=line.source,
                )
                for line in declaration.lines
            ],
        )


@strawberry.type(description="One step of an order's status history.")
class OrderStatusChange:
    status: OrderStatus = strawberry.field(description="The status the order moved to.")
    at: datetime = strawberry.field(description="When it moved.")
    reason: str | None = strawberry.field(description="Why, where one was given (a cancellation's reason ...).")


@strawberry.type(
    description="A placed quote: its buyer's purchase from one or more suppliers, paid by card and shipped line "
    "by line. Its buyer and admins see all of it; a supplier sees the order with its own lines."
)
class Order(relay.Node, Amounts):
    id: relay.NodeID[str]
    data: strawberry.Private[OrderRead]
    number: str = strawberry.field(
        description="The order's number as people read and say it: TN-<year>-<sequence>, e.g. TN-2026-000123."
        " Unique; look an order up by it with `orderByNumber`."
    )
    status: OrderStatus = strawberry.field(description="Where the order stands.")
    payment_status: str = strawberry.field(
        description="UNPAID, PAID, FAILED, PARTIALLY_REFUNDED, REFUNDED, REVIEW: the payment taken is not"
        " the order's amount or currency, so the order is held for an admin and never becomes PAID, or HELD:"
        " a part may no longer be sold in the destination (`attention` says why), so it cannot be paid until"
        " it may again."
    )
    cancellation_requested_at: datetime | None = strawberry.field(
        description="A cancellation accepted but not finished because its refund (or putting the parts back"
        " on sale) failed; it is finished automatically, or by cancelling again."
    )
    attention: str | None = strawberry.field(
        description="Why the order waits, if it does: a payment held for review, a failed refund, or a part"
        " that may no longer be sold where the order ships (with the certificate's status and reason)."
    )
    currency: str = strawberry.field(description="ISO 4217 code of every amount of the order.")
    destination_country: str = strawberry.field(description="Where it ships, ISO 3166-1 alpha-2.")
    incoterm: Incoterm = strawberry.field(description="The delivery term it was quoted and sold under.")
    created_at: datetime = strawberry.field(description="When it was placed.")
    paid_at: datetime | None = strawberry.field(description="When the payment succeeded; null until then.")
    lines: list[OrderLine] = strawberry.field(description="Its lines the caller sees, in order.")
    status_history: list[OrderStatusChange] = strawberry.field(description="Every status it has had, oldest first.")
    requires_action: bool = strawberry.field(
        default=False, description="After payOrder: the card needs 3-D Secure (stripe.confirmCardPayment)."
    )
    action_client_secret: str | None = strawberry.field(
        default=None, description="After payOrder with requiresAction: the secret for stripe.confirmCardPayment."
    )

    @strawberry.field(
        description="The point-of-sale regime the order's VAT/GST was collected under (e.g. EU_IOSS), if any."
    )
    def tax_scheme(self) -> str | None:
        return self.data.tax_scheme

    @strawberry.field(description="Our registration number under `taxScheme`, as the customs documents print it.")
    def tax_registration(self) -> str | None:
        return self.data.tax_registration

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Order:
        """The orders service's order, parsed with its contract (once: the resolvers read the model)."""
        return cls.of(OrderRead.model_validate(json))

    @classmethod
    def of(cls, order: OrderRead) -> Order:
        returns = {r.order_line_id: r for r in order.core_returns}
        part_returns = {r.order_line_id: r for r in order.part_returns}
        # RESERVING (placeOrder's saga before the stock is held) is not in the public enum: the
        # order is on its way to PENDING_PAYMENT, and a client waits on it as on that.
        status = PUBLIC_STATUS.get(order.status.value, order.status.value)
        refunded = (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
        if order.payment_status in refunded and status != "CANCELLED":
            status = order.payment_status.value
        return cls(
            id=str(order.id),
            number=order.number,
            data=order,
            status=OrderStatus(status),
            payment_status=order.payment_status.value,
            currency=order.currency,
            destination_country=order.destination_country,
            incoterm=Incoterm(order.incoterm),
            created_at=order.created_at,
            paid_at=order.paid_at,
            cancellation_requested_at=order.cancel_requested_at,
            attention=order.attention,
            lines=[
                OrderLine(
                    id=str(line.id),
                    quantity=line.quantity,
                    status=line.status.value,
                    data=line,
                    core_return_data=returns.get(line.id),
                    part_return_data=part_returns.get(line.id),
                )
                for line in order.lines
            ],
            status_history=[
                OrderStatusChange(status=OrderStatus(h.to_status), at=h.at, reason=h.reason)
                for h in order.history
                # The saga's first step is not a public status: the history starts where it did.
                if h.to_status not in PUBLIC_STATUS
            ],
        )

    @strawberry.field(
        description="Dangerous-goods declaration data of the lines the caller sees (UN number, proper shipping "
        "name, class, packing instruction, packages, mode, emergency contact); null when none is dangerous goods."
    )
    def dangerous_goods(self) -> DangerousGoodsDeclaration | None:
        declaration = self.data.dangerous_goods
        return DangerousGoodsDeclaration.of(declaration) if declaration else None

    @strawberry.field(
        description="When the buyer reported that the shipped order has not arrived (reportNonDelivery); such "
        "an order is not delivered automatically. Null when nobody did."
    )
    def non_delivery_reported_at(self) -> datetime | None:
        return self.data.non_delivery_reported_at

    @strawberry.field(
        description="Card disputes (chargebacks) on the order's payment, oldest first; its buyer and admins see "
        "them, its suppliers an empty list."
    )
    def disputes(self) -> list[Dispute]:
        return [Dispute.of(d) for d in self.data.disputes]

    @strawberry.field(
        description="Sanctions screening of the consignee when the order was placed: HELD means under review "
        "(it may be paid, and ships only once cleared). Null for orders placed before screening."
    )
    def screening_status(self) -> ScreeningStatus | None:
        value = self.data.screening_status
        return ScreeningStatus(value.value) if value else None

    @strawberry.field(description="Refunded so far, in the order's currency.")
    def refunded(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.refunded)

    @strawberry.field(
        description="Where the order ships, copied from the buyer's address book when it was placed (the buyer "
        "and the order's suppliers see it); null for an order placed without one."
    )
    def shipping_address(self) -> ShippingAddress | None:
        address = self.data.shipping_address
        return ShippingAddress.of(address) if address else None

    @strawberry.field(
        description="The calling supplier's packing slip or commercial invoice for its lines of this order, as "
        "PDF. Only the order's suppliers and admins may have them (FORBIDDEN for anyone else); CONFLICT for an "
        "order placed without a shipping address."
    )
    async def shipping_document(
        self,
        info: Info[Context, None],
        kind: Annotated[ShippingDocumentKind, strawberry.argument(description="Which document.")],
    ) -> ShippingDocument:
        context = info.context
        slug = kind.name.lower().replace("_", "-")
        response = await context.clients.orders.request(
            "GET", f"/orders/{self.id}/documents/{slug}.pdf", headers=context.upstream_headers()
        )
        disposition = response.headers.get("content-disposition", "")
        filename = disposition.split('filename="', 1)[1].rstrip('"') if 'filename="' in disposition else f"{slug}.pdf"
        return ShippingDocument(
            filename=filename,
            content_type="application/pdf",
            content_base64=base64.b64encode(response.content).decode("ascii"),
        )

    @strawberry.field(
        description="The receipt (a tax invoice where VAT was charged) as a PDF, base64-encoded: seller, buyer, "
        "each line's VAT rate and amount, totals in the order's currency. Only for its buyer and admins, once paid."
    )
    async def receipt_pdf(self, info: Info[Context, None]) -> str:
        context = info.context
        context.require_principal()
        params: dict[str, Any] = {}
        email = await context.in_session(lambda session: _account_email(session, self.data.buyer_id))
        if email:
            params["buyer_name"] = email
        response = await context.clients.orders.request(
            "GET", f"/orders/{self.id}/receipt.pdf", headers=context.upstream_headers(), params=params
        )
        return base64.b64encode(response.content).decode("ascii")

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Order | None]:
        return await orders_nodes(info.context, "orders", node_ids, cls.from_json)


@strawberry.type(description="One order in a page of results, with its cursor.")
class OrderEdge:
    node: Order = strawberry.field(description="The order.")
    cursor: str = strawberry.field(description="Opaque position of this order; pass it as `after` to page on from it.")


@strawberry.type(description="A page of orders.")
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type(description="A placed order, and what the buyer's browser needs to pay it with Stripe.js.")
class PlaceOrderPayload:
    order: Order = strawberry.field(description="The order, PENDING_PAYMENT.")
    client_secret: str = strawberry.field(description="For Stripe.js; the card never passes through us.")
    publishable_key: str | None = strawberry.field(
        description="Our Stripe publishable key for Stripe.js; null when none is configured."
    )


@strawberry.type(description="A Stripe SetupIntent: what the buyer's browser needs to collect a card.")
class CardSetup:
    client_secret: str = strawberry.field(description="For stripe.confirmCardSetup in the buyer's browser.")
    publishable_key: str = strawberry.field(
        description="Our Stripe publishable key for Stripe.js; empty when none is configured."
    )


def _account_email(session: Any, account_id: str) -> str | None:
    """The buyer's e-mail, as the receipt names the buyer; None for an id that is no account here."""
    from gateway.identity.models import Account as AccountRecord

    try:
        record = session.get(AccountRecord, uuid.UUID(account_id))
    except ValueError:
        return None
    return str(record.email) if record else None


N = TypeVar("N")


async def orders_nodes(
    context: Context, collection: str, node_ids: Iterable[str], build: Callable[[dict[str, Any]], N]
) -> list[N | None]:
    """Nodes that the orders service serves one at a time (it has no batch read for them): each
    by its own GET of `/{collection}/{id}`, None where it is unknown or not the caller's."""
    found: list[N | None] = []
    for node_id in node_ids:
        data = await context.clients.orders.get_json_or_none(
            f"/{collection}/{node_id}", headers=context.upstream_headers()
        )
        found.append(build(data) if data else None)
    return found
