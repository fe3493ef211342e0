"""Request and response shapes of FX rates and quotes."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.orders.contract.shared import Amounts, MoneyRead, Strict

# EXW stays accepted so that a request naming it gets INCOTERM_NOT_OFFERED, not a schema error.
Incoterm = Literal["EXW", "FCA", "FOB", "CIF", "CIP", "DAP", "DDP"]


class FxRateRead(BaseModel):
    currency: str
    per_cny: str = Field(description="units of `currency` per 1 CNY, decimal string (mid, no margin)")
    source: str
    as_of: datetime
    offline_fallback: bool = Field(default=False, description="the bundled snapshot: the ECB was unreachable")


class FxImportResult(BaseModel):
    imported: int
    rates: list[FxRateRead]


class QuoteLineIn(Strict):
    part_id: uuid.UUID
    quantity: Annotated[int, Field(ge=1, le=9_999)]


class QuoteCreate(Strict):
    lines: Annotated[list[QuoteLineIn], Field(min_length=1, max_length=50)]
    destination_country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]
    incoterm: Incoterm
    currency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=3)]
    shipping_service: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    date: dt.date | None = Field(
        default=None,
        description="the day whose rules price the quote (default: today, UTC); a past date gives a quote that "
        "can be read, not ordered",
    )
    destination_region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=6)] | None = Field(
        default=None, description="ISO 3166-2 subdivision of the delivery address, e.g. CA-ON; required for CA"
    )


class PricingRuleRead(BaseModel):
    """One rule row that priced a quote."""

    table: str = Field(description="the rule table, e.g. duty_rates")
    key: str = Field(description="which row of it, e.g. 'US CN US Section 301 8708'")
    says: str = Field(description="what the row contributed, e.g. '25 %'")
    source: str = Field(description="the instrument (and its date) the row comes from")
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="null: in force until further notice")


class QuoteLineRead(Amounts):
    id: uuid.UUID
    part_id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title: str
    category: str
    hs_code: str
    quantity: int


class QuoteRead(Amounts):
    id: uuid.UUID
    buyer_id: str
    destination_country: str
    incoterm: Incoterm
    currency: str
    shipping_service: str
    fx_rate: str = Field(description="CNY -> currency, margin included, decimal string")
    fx_source: str
    fx_as_of: datetime
    fx_stale: bool = Field(description="the rates are older than fx_stale_after_hours (the feed is late)")
    fx_offline_fallback: bool = Field(description="the rates are the bundled snapshot: the ECB was unreachable")
    duty_status: Literal["collected", "estimated", "not_quoted"] = Field(
        description="DDP: collected (in total); CIF/DAP: estimated, payable on arrival, not in total"
    )
    core_deposit_in_duty_base: bool
    destination_region: str | None = Field(default=None, description="ISO 3166-2 subdivision the quote taxed for")
    tax_scheme: str | None = Field(
        default=None, description="the point-of-sale regime the tax is collected under (e.g. GB_VAT_POS, EU_IOSS)"
    )
    tax_registration: str | None = Field(default=None, description="our registration number under tax_scheme")
    created_at: datetime
    expires_at: datetime
    expired: bool
    lines: list[QuoteLineRead]
    notes: list[str]
    date: dt.date = Field(description="the day whose rules priced the quote")
    dated: bool = Field(description="priced by the rules of a past day: can be read, not ordered (QUOTE_DATED)")
    priced_by: list[PricingRuleRead] = Field(description="every rule row that priced the quote, with its source")
    detail: dict[str, Any] = Field(description="the full landed-cost breakdown with rule sources")


class QuotePricingLineRead(BaseModel):
    category: str
    hs_code: str
    quantity: int
    duty_rate: str = Field(description="the stacked duty rate of the line, decimal string")
    vat_rate: str = Field(description="the import tax rate, decimal string")


class QuotePricingRead(BaseModel):
    """How a quote's price was made, without who asked for it: for anyone holding the quote's link."""

    id: uuid.UUID
    destination_country: str
    customs_territory: str
    incoterm: Incoterm
    shipping_service: str
    currency: str
    date: dt.date = Field(description="the day whose rules priced the quote")
    dated: bool
    fx_rate: str
    fx_source: str
    fx_as_of: datetime
    created_at: datetime
    lines: list[QuotePricingLineRead]
    priced_by: list[PricingRuleRead]
    notes: list[str]


MAX_ITEMS = 500


class ConversionIn(BaseModel):
    amount_cny: Annotated[int, Field(ge=0, le=10**13, description="CNY fen")]
    currency: Annotated[str, Field(min_length=3, max_length=3)]


class ConversionsIn(BaseModel):
    items: Annotated[list[ConversionIn], Field(min_length=1, max_length=MAX_ITEMS)]


class ConversionsRead(BaseModel):
    items: list[MoneyRead]


class QuotingCurrencyRead(BaseModel):
    code: str = Field(description="ISO 4217")
    minor_unit_digits: int = Field(description="0 for JPY and KRW, 2 for EUR, 3 for KWD (amounts are in these units)")
    rate_source: str = Field(description="where the rate against CNY comes from (CNY itself: identity)")


MAX_PARTS = 100


class PartFactsIn(BaseModel):
    """What the landed cost of a part depends on, as the catalog lists it."""

    part_id: Annotated[str, Field(min_length=1, max_length=64)]
    category: Annotated[str, Field(min_length=1, max_length=40)]
    hs_code: Annotated[str, Field(min_length=6, max_length=10)]
    weight_grams: Annotated[int, Field(gt=0, le=2_000_000)]
    price_cny: Annotated[int, Field(ge=0, le=1_000_000_000, description="CNY fen")]
    core_charge_cny: Annotated[int, Field(ge=0, le=1_000_000_000, description="CNY fen")] = 0
    quantity: Annotated[int, Field(ge=1, le=9_999)] = 1
    country_of_origin: Annotated[str, Field(min_length=2, max_length=2)] = "CN"
    origin_schemes: Annotated[
        list[Annotated[str, Field(max_length=40)]],
        Field(max_length=10, description="certificate-of-origin schemes covering the part (CO_RCEP ...)"),
    ] = []


class PartEstimatesIn(BaseModel):
    destination_country: Annotated[str, Field(min_length=2, max_length=2)]
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    parts: Annotated[list[PartFactsIn], Field(min_length=1, max_length=MAX_PARTS)]


class OptionRead(BaseModel):
    service: str = Field(description="express or economy")
    transit_days: str = Field(description="door to door, e.g. `4-8`")
    goods: MoneyRead
    shipping: MoneyRead = Field(description="shipping, origin handling and insurance")
    duty: MoneyRead
    vat: MoneyRead = Field(description="import VAT, GST or sales tax")
    total: MoneyRead = Field(description="the landed price: all of the above (DDP), core deposit not included")


class PartEstimateRead(BaseModel):
    part_id: str
    cheapest: OptionRead | None = Field(description="null when the part cannot be quoted there; see `unavailable`")
    unavailable: str | None = Field(default=None, description="the code of why not (NO_TARIFF_RULE ...)")


class PartEstimatesRead(BaseModel):
    destination_country: str
    currency: str
    estimates: list[PartEstimateRead]


class CartEstimateRead(BaseModel):
    destination_country: str
    currency: str
    subtotal: MoneyRead = Field(description="the goods at the quote's rate, before shipping, duty and tax")
    core_deposit: MoneyRead = Field(description="refundable deposits for the old parts")
    options: list[OptionRead] = Field(description="every shipping service that may carry the cart, cheapest first")
