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
from gateway.types import Money, PageAfter, PageInfo, PageSize
from services.catalog.contract import ImageRead, PartRead, SupplierRead
from services.common.money import Money as MoneyValue
from services.orders.contract.quotes import PartEstimateRead

if TYPE_CHECKING:
    from gateway.certification.types import Certificate, Eligibility
    from gateway.orders.estimates import LandedEstimate
    from gateway.orders.payouts import BankAccount


@strawberry.type(description="A part's title in one more language.")
class TitleTranslation:
    locale: str = strawberry.field(description="BCP 47 language tag: `de`, `fr`, `pt-BR`.")
    title: str = strawberry.field(description="The title in that language.")


@strawberry.enum(description="The state a part is sold in; some destinations restrict used and remanufactured parts.")
class PartCondition(Enum):
    REMANUFACTURED = strawberry.enum_value(
        "REMANUFACTURED", description="Rebuilt to the maker's specification from a returned core."
    )
    USED = strawberry.enum_value("USED", description="Taken from a vehicle and sold as it is.")
    REFURBISHED = strawberry.enum_value("REFURBISHED", description="Used, then cleaned, checked and repaired.")
    NEW = strawberry.enum_value("NEW", description="Never fitted to a vehicle.")


@strawberry.enum(description="The order of search results.")
class PartSort(Enum):
    RELEVANCE = strawberry.enum_value(
        "relevance", description="Best match to the search words first; newest first without words."
    )
    PRICE_ASC = strawberry.enum_value("price_asc", description="Cheapest first.")
    PRICE_DESC = strawberry.enum_value("price_desc", description="Dearest first.")
    NEWEST = strawberry.enum_value("newest", description="Most recently listed first.")


@strawberry.type(description="A range of vehicles a part fits: one make and model over model years.")
class Fitment:
    make: str = strawberry.field(description="The vehicle's make, as the catalog spells it (`Toyota`).")
    model: str = strawberry.field(description="The vehicle's model (`Corolla`).")
    year_from: int = strawberry.field(description="First model year fitted, inclusive.")
    year_to: int = strawberry.field(description="Last model year fitted, inclusive.")
    engine_code: str | None = strawberry.field(description="Only vehicles with this engine; null for any engine.")


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


@strawberry.type(description="A company in China that lists parts on the exchange and is paid for them.")
class Supplier(relay.Node):
    id: relay.NodeID[str]
    name_en: str = strawberry.field(description="The company's name in English.")
    name_zh: str = strawberry.field(description="The company's registered name in Chinese.")
    verified: bool = strawberry.field(
        description="An admin reviewed this company's business licence and verified it; only then does it list parts."
    )
    data: strawberry.Private[SupplierRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Supplier:
        """The catalog's supplier, parsed with its contract."""
        return cls.of(SupplierRead.model_validate(json))

    @classmethod
    def of(cls, data: SupplierRead) -> Supplier:
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
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> Annotated[PartConnection, strawberry.lazy("gateway.catalog.types")]:
        from gateway.catalog.queries import search_parts

        return await search_parts(info, search=None, filters={"supplier_id": self.id}, first=first, after=after)


@strawberry.type(
    description="A part a supplier lists: what it is, what it fits, its price in CNY and what it costs delivered."
)
class Part(relay.Node):
    id: relay.NodeID[str]
    sku: str = strawberry.field(description="The supplier's own stock-keeping unit, unique per supplier.")
    category: str = strawberry.field(description="The catalog's category code (`alternator`, `brake_caliper`).")
    condition: PartCondition = strawberry.field(description="New, used, refurbished or remanufactured.")
    oem_numbers: list[str] = strawberry.field(
        description="The vehicle makers' part numbers this part is or replaces, as the supplier wrote them."
    )
    interchange_numbers: list[str] = strawberry.field(
        description="Other makers' numbers for an equivalent part (aftermarket cross-references)."
    )
    brand: str | None = strawberry.field(description="The part's maker or brand; null when not given.")
    available: int = strawberry.field(description="Units that can be ordered now: on hand less those reserved.")
    warranty_months: int = strawberry.field(description="The supplier's warranty, in months; 0 for none.")
    weight_grams: int = strawberry.field(description="Shipping weight of one unit, in grams.")
    hs_code: str = strawberry.field(description="Harmonized System code customs classify the part under.")
    country_of_origin: str = strawberry.field(description="Where the part was made, ISO 3166-1 alpha-2 (`CN`).")
    co2e_saved_kg: float | None = strawberry.field(description="Estimated CO2e saved against a new part, in kg.")
    listed: bool = strawberry.field(description="False once delisted; old orders still show the part.")
    fitments: list[Fitment] = strawberry.field(description="The vehicles the part fits; empty when none are given.")
    data: strawberry.Private[PartRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Part:
        """The catalog's part, parsed with its contract (once: the resolvers read the model)."""
        return cls.of(PartRead.model_validate(json))

    @classmethod
    def of(cls, data: PartRead) -> Part:
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
    def title(
        self,
        locale: Annotated[
            str | None, strawberry.argument(description="BCP 47 language tag (`de`, `pt-BR`); English when none.")
        ] = None,
    ) -> str:
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
    def fits(
        self,
        info: Info[Context, None],
        vehicle: Annotated[VehicleInput, strawberry.argument(description="The vehicle to check against.")],
    ) -> bool:
        key = (self.id, tuple(sorted(vehicle.as_json().items())))
        return settled(info.context.loaders.fits.load(key), bool)

    @strawberry.field(description="In the locale asked (`zh` or `en`), falling back to English.")
    def description(
        self,
        locale: Annotated[str | None, strawberry.argument(description="`zh` for Chinese; English otherwise.")] = None,
    ) -> str | None:
        if locale and locale.lower().startswith("zh") and self.data.description_zh:
            return self.data.description_zh
        return self.data.description_en

    @strawberry.field(description="Pictures of the part, the main one first; empty when it has none.")
    def images(self, info: Info[Context, None]) -> list[PartImage]:
        return [PartImage.of(info.context.base_url, image) for image in self.data.images]

    # The resolvers below are plain functions over the request's DataLoaders: on a page whose
    # data was prefetched they answer at once (see `settled`), elsewhere graphql-core awaits them.

    @strawberry.field(description="The supplier that lists the part.")
    def supplier(self, info: Info[Context, None]) -> Supplier:
        return settled(info.context.loaders.supplier.load(str(self.data.supplier_id)), self._supplier)

    def _supplier(self, data: dict[str, Any] | None) -> Supplier:
        if data is None:
            raise LookupError(f"supplier {self.data.supplier_id} of part {self.id} not found")
        return Supplier.from_json(data)

    @strawberry.field(description="The price; in CNY unless a currency is asked (converted at the platform's rate).")
    def price(
        self,
        info: Info[Context, None],
        currency: Annotated[
            str | None, strawberry.argument(description="ISO 4217 code to convert into (`EUR`); CNY when none.")
        ] = None,
    ) -> Money:
        return cny_money(info, self.data.price_cny, currency)

    @strawberry.field(description="Refundable deposit for the old part (the core), null when none is charged.")
    def core_charge(
        self,
        info: Info[Context, None],
        currency: Annotated[
            str | None, strawberry.argument(description="ISO 4217 code to convert into (`EUR`); CNY when none.")
        ] = None,
    ) -> Money | None:
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
        self,
        info: Info[Context, None],
        country: Annotated[str, strawberry.argument(description="Destination, ISO 3166-1 alpha-2 (`DE`).")],
        currency: Annotated[
            str | None, strawberry.argument(description="ISO 4217 code of the estimate (`EUR`); CNY when none.")
        ] = None,
    ) -> Annotated[LandedEstimate, strawberry.lazy("gateway.orders.estimates")]:
        from gateway.orders.estimates import LandedEstimate, ShippingOption, country_code, currency_code

        key = (self.id, country_code(country, "country"), currency_code(currency, "currency"))
        locale = info.context.locale

        def estimate(found: PartEstimateRead | None) -> LandedEstimate:
            if found is None:
                return LandedEstimate(country=key[1], cheapest=None, unavailable="NOT_FOUND")
            return LandedEstimate(
                country=key[1],
                cheapest=ShippingOption.of(found.cheapest, locale) if found.cheapest else None,
                unavailable=found.unavailable,
            )

        return settled(info.context.loaders.landed_estimate.load(key), estimate)

    @strawberry.field(description="May this part be sold in the country (ISO 3166-1 alpha-2), and what is missing.")
    def eligibility(
        self,
        info: Info[Context, None],
        country: Annotated[str, strawberry.argument(description="Destination, ISO 3166-1 alpha-2 (`DE`).")],
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


@strawberry.type(description="One part in a page of results, with its cursor.")
class PartEdge:
    node: Part = strawberry.field(description="The part.")
    cursor: str = strawberry.field(description="Opaque position of this part; pass it as `after` to page on from it.")


@strawberry.type(description="How many matching parts have one value of a facet.")
class FacetCount:
    value: str = strawberry.field(description="The value: a category code, a condition or a make.")
    count: int = strawberry.field(description="How many matching parts have it.")


@strawberry.type(description="Counts of matching parts per value, for search filters.")
class PartFacets:
    category: list[FacetCount] = strawberry.field(description="Counts per category code.")
    condition: list[FacetCount] = strawberry.field(description="Counts per condition.")
    make: list[FacetCount] = strawberry.field(description="Counts per vehicle make the parts fit.")
    exhaustive: bool = strawberry.field(
        description="False when the counts were taken over the first 2,000 matches only."
    )
    total: int = strawberry.field(
        description="How many parts match (each has one category); at least this many when not exhaustive."
    )


@strawberry.type(description="A part condition a destination restricts: why a `shipsTo` search leaves such parts out.")
class ConditionRestriction:
    condition: PartCondition = strawberry.field(description="The condition restricted.")
    measure: str = strawberry.field(description="`prohibited`, or `licence` (an import licence we cannot verify).")
    note: str = strawberry.field(description="What the rule says, in a sentence.")
    source: str = strawberry.field(description="The instrument the restriction relies on, with its date.")


@strawberry.type(description="A page of parts, with facets and restrictions when a search asks for them.")
class PartConnection:
    edges: list[PartEdge] = strawberry.field(description="The parts of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")
    facets: PartFacets | None = strawberry.field(
        default=None, description="Counts per category, condition and make over all matches (search only)."
    )
    restrictions: list[ConditionRestriction] = strawberry.field(
        default_factory=list,
        description="With `shipsTo`: the conditions the destination restricts, left out of the results.",
    )


@strawberry.type(description="One supplier in a page of results, with its cursor.")
class SupplierEdge:
    node: Supplier = strawberry.field(description="The supplier.")
    cursor: str = strawberry.field(
        description="Opaque position of this supplier; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of suppliers.")
class SupplierConnection:
    edges: list[SupplierEdge] = strawberry.field(description="The suppliers of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")
