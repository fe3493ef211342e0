"""Part, Supplier and Fitment as integrators see them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.catalog.vehicles import VehicleInput
from gateway.catalog.verification import SupplierVerification, may_see_verification
from gateway.context import Context
from gateway.loaders import settled
from gateway.types import Money, PageInfo
from services.catalog.contract import ImageRead, PartRead, SupplierRead
from services.common.money import Money as MoneyValue

if TYPE_CHECKING:
    from gateway.certification.types import Certificate, Eligibility
    from gateway.orders.estimates import LandedEstimate
    from gateway.orders.payouts import BankAccount


@strawberry.type(description="A part's title in one more language.")
class TitleTranslation:
    locale: str = strawberry.field(description="BCP 47 language tag: `de`, `fr`, `pt-BR`.")
    title: str


@strawberry.enum
class PartCondition(Enum):
    REMANUFACTURED = "REMANUFACTURED"
    USED = "USED"
    REFURBISHED = "REFURBISHED"
    NEW = "NEW"


@strawberry.enum(description="The order of search results.")
class PartSort(Enum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


@strawberry.type
class Fitment:
    make: str
    model: str
    year_from: int
    year_to: int
    engine_code: str | None


@strawberry.type(
    description="A picture of a part, re-encoded as WebP without metadata. Its URLs name the "
    "file by its SHA-256 and never change, so they may be cached for good."
)
class PartImage:
    url: str = strawberry.field(description="The picture, at most 1600 pixels on its longer side.")
    thumbnail_url: str = strawberry.field(description="A thumbnail, at most 320 pixels on its longer side.")
    width: int = strawberry.field(description="Width of the picture at `url`, in pixels.")
    height: int = strawberry.field(description="Height of the picture at `url`, in pixels.")
    thumbnail_width: int = strawberry.field(description="Width of the thumbnail, in pixels.")
    thumbnail_height: int = strawberry.field(description="Height of the thumbnail, in pixels.")
    image_id: strawberry.ID = strawberry.field(
        name="id", description="Names the image for `removePartImage`; not a global node id."
    )

    @classmethod
    def of(cls, base_url: str, image: ImageRead) -> PartImage:
        return cls(
            url=f"{base_url}/images/{image.name}",
            thumbnail_url=f"{base_url}/images/{image.thumbnail_name}",
            width=image.width,
            height=image.height,
            thumbnail_width=image.thumbnail_width,
            thumbnail_height=image.thumbnail_height,
            image_id=strawberry.ID(str(image.id)),
        )


@strawberry.type
class Supplier(relay.Node):
    id: relay.NodeID[str]
    name_en: str
    name_zh: str
    verified: bool = strawberry.field(
        description="An admin reviewed this company's business licence and verified it; only then does it list parts."
    )
    data: strawberry.Private[SupplierRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Supplier:
        """The catalog's supplier, parsed with its contract."""
        data = SupplierRead.model_validate(json)
        return cls(id=str(data.id), name_en=data.name_en, name_zh=data.name_zh, verified=data.verified, data=data)

    @strawberry.field(
        description="The company's verification: its application and the admin's decision. Null for anyone "
        "but admins and the supplier itself."
    )
    def verification(self, info: Info[Context, None]) -> SupplierVerification | None:
        if not may_see_verification(info.context, self.id):
            return None
        return SupplierVerification.of(self.data)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Supplier | None]:
        found = await info.context.loaders.supplier.load_many(list(node_ids))
        return [cls.from_json(s) if s else None for s in found]

    @strawberry.field(
        description="The CNY account the supplier is paid to: for the supplier itself and admins; null for "
        "anyone else, and while none was given."
    )
    async def bank_account(
        self, info: Info[Context, None]
    ) -> Annotated[BankAccount, strawberry.lazy("gateway.orders.payouts")] | None:
        from gateway.orders.payouts import supplier_bank_account

        return await supplier_bank_account(info, self.id)

    @strawberry.field(description="This supplier's listed parts, newest first.")
    async def parts(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> Annotated[PartConnection, strawberry.lazy("gateway.catalog.types")]:
        from gateway.catalog.queries import search_parts

        return await search_parts(info, search=None, filters={"supplier_id": self.id}, first=first, after=after)


@strawberry.type
class Part(relay.Node):
    id: relay.NodeID[str]
    sku: str
    category: str
    condition: PartCondition
    oem_numbers: list[str]
    interchange_numbers: list[str]
    brand: str | None
    available: int
    warranty_months: int
    weight_grams: int
    hs_code: str
    country_of_origin: str
    co2e_saved_kg: float | None = strawberry.field(description="Estimated CO2e saved against a new part, in kg.")
    listed: bool = strawberry.field(description="False once delisted; old orders still show the part.")
    fitments: list[Fitment]
    data: strawberry.Private[PartRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Part:
        """The catalog's part, parsed with its contract (once: the resolvers read the model)."""
        data = PartRead.model_validate(json)
        return cls(
            id=str(data.id),
            sku=data.sku,
            category=data.category,
            condition=PartCondition(data.condition.value),
            oem_numbers=data.oem_numbers,
            interchange_numbers=data.interchange_numbers,
            brand=data.brand,
            available=data.available,
            warranty_months=data.warranty_months,
            weight_grams=data.weight_grams,
            hs_code=data.hs_code,
            country_of_origin=data.country_of_origin,
            co2e_saved_kg=data.co2e_saved_kg,
            listed=data.listed,
            fitments=[
                Fitment(make=f.make, model=f.model, year_from=f.year_from, year_to=f.year_to, engine_code=f.engine_code)
                for f in data.fitments
            ],
            data=data,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Part | None]:
        found = await info.context.loaders.part.load_many(list(node_ids))
        return [cls.from_json(p) if p else None for p in found]

    @strawberry.field(
        description="In the locale asked: the supplier's title in that language (`de`, `pt-BR`), "
        "Chinese for `zh`, else English."
    )
    def title(self, locale: str | None = None) -> str:
        wanted = (locale or "en").replace("_", "-")
        translations = self.data.title_translations
        for tag, title in translations.items():
            if tag.lower() == wanted.lower():
                return title
        language = wanted.split("-")[0].lower()
        if language == "zh" and self.data.title_zh:
            return self.data.title_zh
        if language in translations:
            return translations[language]
        return self.data.title_en

    @strawberry.field(description="The supplier's titles in further languages (beyond English and Chinese).")
    def title_translations(self) -> list[TitleTranslation]:
        translations = self.data.title_translations
        return [TitleTranslation(locale=tag, title=title) for tag, title in sorted(translations.items())]

    @strawberry.field(
        description="Does this part fit the vehicle (a VIN, or make, model and year)? Decided by the catalog "
        "from the part's fitments; a VIN that decodes to nothing is BAD_USER_INPUT on `vehicle.vin`."
    )
    def fits(self, info: Info[Context, None], vehicle: VehicleInput) -> bool:
        key = (self.id, tuple(sorted(vehicle.as_json().items())))
        return settled(info.context.loaders.fits.load(key), bool)

    @strawberry.field(description="In the locale asked (`zh` or `en`), falling back to English.")
    def description(self, locale: str | None = None) -> str | None:
        if locale and locale.lower().startswith("zh") and self.data.description_zh:
            return self.data.description_zh
        return self.data.description_en

    @strawberry.field(description="Pictures of the part, the main one first; empty when it has none.")
    def images(self, info: Info[Context, None]) -> list[PartImage]:
        return [PartImage.of(info.context.base_url, image) for image in self.data.images]

    # The resolvers below are plain functions over the request's DataLoaders: on a page whose
    # data was prefetched they answer at once (see `settled`), elsewhere graphql-core awaits them.

    @strawberry.field
    def supplier(self, info: Info[Context, None]) -> Supplier:
        return settled(info.context.loaders.supplier.load(str(self.data.supplier_id)), self._supplier)

    def _supplier(self, data: dict[str, Any] | None) -> Supplier:
        if data is None:
            raise LookupError(f"supplier {self.data.supplier_id} of part {self.id} not found")
        return Supplier.from_json(data)

    @strawberry.field(description="The price; in CNY unless a currency is asked (converted at the platform's rate).")
    def price(self, info: Info[Context, None], currency: str | None = None) -> Money:
        return cny_money(info, self.data.price_cny, currency)

    @strawberry.field(description="Refundable deposit for the old part (the core), null when none is charged.")
    def core_charge(self, info: Info[Context, None], currency: str | None = None) -> Money | None:
        amount = self.data.core_charge_cny
        return cny_money(info, amount, currency) if amount else None

    @strawberry.field(description="Certificates covering this part: its own, its category's, its supplier's.")
    def certificates(
        self, info: Info[Context, None]
    ) -> list[Annotated[Certificate, strawberry.lazy("gateway.certification.types")]]:
        from gateway.certification.types import Certificate

        return settled(
            info.context.loaders.part_certificates.load(self.id),
            lambda found: [Certificate.from_json(c) for c in found],
        )

    @strawberry.field(
        description="An estimate of one unit's price delivered to the country (ISO 3166-1 alpha-2), duty and "
        "import tax included, with the cheapest shipping, in the currency asked (CNY when none). Today's rate "
        "and rules; a quote locks the price. Parts of a page are estimated in one call."
    )
    def landed_estimate(
        self, info: Info[Context, None], country: str, currency: str | None = None
    ) -> Annotated[LandedEstimate, strawberry.lazy("gateway.orders.estimates")]:
        from gateway.orders.estimates import LandedEstimate, ShippingOption, country_code, currency_code

        key = (self.id, country_code(country, "country"), currency_code(currency, "currency"))
        locale = info.context.locale

        def estimate(found: dict[str, Any] | None) -> LandedEstimate:
            if found is None:
                return LandedEstimate(country=key[1], cheapest=None, unavailable="NOT_FOUND")
            cheapest = found.get("cheapest")
            return LandedEstimate(
                country=key[1],
                cheapest=ShippingOption.from_json(cheapest, locale) if cheapest else None,
                unavailable=found.get("unavailable"),
            )

        return settled(info.context.loaders.landed_estimate.load(key), estimate)

    @strawberry.field(description="May this part be sold in the country (ISO 3166-1 alpha-2), and what is missing.")
    def eligibility(
        self, info: Info[Context, None], country: str
    ) -> Annotated[Eligibility, strawberry.lazy("gateway.certification.types")]:
        from gateway.certification.types import eligibility_of

        verdict = info.context.loaders.eligibility.load((self.id, eligibility_country(country)))
        return settled(verdict, lambda found: eligibility_of(*found))


def eligibility_country(country: str) -> str:
    return country.strip().upper()


def conversion_currency(currency: Any) -> str | None:
    """The currency to convert CNY into, None when no conversion is needed."""
    wanted = currency.strip().upper() if isinstance(currency, str) else "CNY"
    return None if wanted == "CNY" else wanted


def cny_money(info: Info[Context, None], amount_fen: int, currency: str | None) -> Money:
    """An amount in CNY fen as Money in the currency asked (CNY when none), for the caller's locale."""
    locale = info.context.locale
    wanted = conversion_currency(currency)
    if wanted is None:
        return Money.of(MoneyValue(amount_fen, "CNY"), locale)
    return settled(info.context.loaders.convert.load((amount_fen, wanted)), lambda value: Money.of(value, locale))


@strawberry.type
class PartEdge:
    node: Part
    cursor: str


@strawberry.type
class FacetCount:
    value: str
    count: int


@strawberry.type(description="Counts of matching parts per value, for search filters.")
class PartFacets:
    category: list[FacetCount]
    condition: list[FacetCount]
    make: list[FacetCount]
    exhaustive: bool
    total: int = strawberry.field(
        description="How many parts match (each has one category); at least this many when not exhaustive."
    )


@strawberry.type(description="A part condition a destination restricts: why a `shipsTo` search leaves such parts out.")
class ConditionRestriction:
    condition: PartCondition
    measure: str = strawberry.field(description="`prohibited`, or `licence` (an import licence we cannot verify).")
    note: str
    source: str = strawberry.field(description="The instrument the restriction relies on, with its date.")


@strawberry.type
class PartConnection:
    edges: list[PartEdge]
    page_info: PageInfo
    facets: PartFacets | None = strawberry.field(
        default=None, description="Counts per category, condition and make over all matches (search only)."
    )
    restrictions: list[ConditionRestriction] = strawberry.field(
        default_factory=list,
        description="With `shipsTo`: the conditions the destination restricts, left out of the results.",
    )


@strawberry.type
class SupplierEdge:
    node: Supplier
    cursor: str


@strawberry.type
class SupplierConnection:
    edges: list[SupplierEdge]
    page_info: PageInfo
