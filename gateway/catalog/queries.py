"""Catalog queries: search with filters and facets, lookups by id and OEM number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import Selection

from gateway.catalog.prefetch import prefetch_parts, selected_fields, selected_under
from gateway.catalog.types import (
    ConditionRestriction,
    FacetCount,
    Part,
    PartCondition,
    PartConnection,
    PartEdge,
    PartFacets,
    PartSort,
    Supplier,
    SupplierConnection,
    SupplierEdge,
    eligibility_country,
)
from gateway.catalog.verification import DECIDERS, SupplierVerificationStatus
from gateway.context import Context
from gateway.ids import node_uuid
from gateway.loaders import parts_in
from gateway.types import PageAfter, PageInfo, PageSize
from services.catalog.contract import Facets, SearchPage, SupplierPage
from services.common.pagination import page_size


@strawberry.input(description="Narrows a part search; every filter given must hold.")
class PartFilter:
    category: str | None = strawberry.field(default=None, description="Only this category code (`alternator`).")
    condition: PartCondition | None = strawberry.field(default=None, description="Only parts in this condition.")
    make: str | None = strawberry.field(default=None, description="Only parts fitting this vehicle make.")
    model: str | None = strawberry.field(default=None, description="Only parts fitting this model (`Corolla`).")
    year: int | None = strawberry.field(default=None, description="Only parts fitting this model year.")
    vin: str | None = strawberry.field(
        default=None, description="Only parts fitting the vehicle this 17-character VIN decodes to."
    )
    supplier_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this supplier's parts (its global id)."
    )
    ships_to: str | None = strawberry.field(
        default=None, description="Only parts that may be sold in this country (ISO 3166-1 alpha-2)."
    )
    in_stock: bool | None = strawberry.field(
        default=None, description="True: only parts with units available; false or none: any."
    )


def _wants_facets(selected: Sequence[Selection]) -> bool:
    return any(field.name == "facets" for field in selected_under(selected, ()))


def _facets(facets: Facets | None) -> PartFacets | None:
    if facets is None:
        return None
    return PartFacets(
        category=[FacetCount(value=f.value, count=f.count) for f in facets.category],
        condition=[FacetCount(value=f.value, count=f.count) for f in facets.condition],
        make=[FacetCount(value=f.value, count=f.count) for f in facets.make],
        exhaustive=facets.exhaustive,
        total=sum(f.count for f in facets.category),
    )


async def search_parts(
    info: Info[Context, None], *, search: str | None, filters: dict[str, Any], first: int | None, after: str | None
) -> PartConnection:
    context = info.context
    params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
    if search:
        params["q"] = search
    selected = selected_fields(info)
    # `shipsTo` is a catalog filter on its markets read model: pages are exact, facets counted over
    # it. Never from the read cache: a revoked part must leave within seconds, and a certificate
    # decision reaches the catalog by an event, after the mutation that made it has cleared caches.
    raw = await context.read_json(
        context.clients.catalog,
        "/parts/search",
        params={
            **params,
            "facets": _wants_facets(selected),
            "first": page_size(first),
            **({"after": after} if after else {}),
        },
        fresh="ships_to" in params,
        by_id=parts_in(lambda answer: [edge["node"] for edge in answer["edges"]]),
    )
    page = SearchPage.model_validate(raw)
    # The part loader holds the catalog's JSON of a part, as its own fetch by id would.
    context.loaders.prime_parts([edge["node"] for edge in raw["edges"]])
    edges = [PartEdge(node=Part.of(edge.node), cursor=edge.cursor) for edge in page.edges]
    await prefetch_parts(info, [edge.node for edge in edges], ("edges", "node"), selected)
    return PartConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.page_info.has_next_page, end_cursor=page.page_info.end_cursor),
        facets=_facets(page.facets),
        restrictions=[
            ConditionRestriction(condition=PartCondition(r.condition), measure=r.measure, note=r.note, source=r.source)
            for r in page.restrictions
        ],
    )


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Search listed parts in English or Chinese, with filters; relevance first with words, else newest."
    )
    async def parts(
        self,
        info: Info[Context, None],
        search: Annotated[
            str | None, strawberry.argument(description="Words to match, English or Chinese; none to browse.")
        ] = None,
        filter: Annotated[PartFilter | None, strawberry.argument(description="Filters; none for all parts.")] = None,
        first: PageSize = 20,
        after: PageAfter = None,
        sort: Annotated[
            PartSort | None, strawberry.argument(description="A cursor from one order does not page another.")
        ] = None,
    ) -> PartConnection:
        f = filter or PartFilter()
        filters: dict[str, Any] = {
            "category": f.category,
            "condition": f.condition.value if f.condition else None,
            "make": f.make,
            "model": f.model,
            "year": f.year,
            "vin": f.vin,
            "supplier_id": node_uuid(f.supplier_id, "Supplier", field="filter.supplierId") if f.supplier_id else None,
            "in_stock": f.in_stock or None,
            "ships_to": eligibility_country(f.ships_to) if f.ships_to else None,
            "sort": sort.value if sort else None,
        }
        return await search_parts(info, search=search, filters=filters, first=first, after=after)

    @strawberry.field(description="A part by id; delisted parts stay readable for old orders.")
    async def part(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part's global id.")],
    ) -> Part | None:
        data = await info.context.loaders.part.load(node_uuid(id, "Part", field="id"))
        if data is None:
            return None
        part = Part.from_json(data)
        await prefetch_parts(info, [part])
        return part

    @strawberry.field(description="Listed parts whose OEM or interchange number matches, in any formatting.")
    async def parts_by_oem_number(
        self,
        info: Info[Context, None],
        oem_number: Annotated[
            str,
            strawberry.argument(
                description="The number in any formatting (`1K0-615-301 AA`): only its letters and digits count."
            ),
        ],
    ) -> list[Part]:
        context = info.context
        found = await context.read_json(
            context.clients.catalog, "/parts/by-oem-number", params={"number": oem_number}, by_id=parts_in(list)
        )
        context.loaders.prime_parts(found)
        parts = [Part.from_json(p) for p in found]
        await prefetch_parts(info, parts)
        return parts

    @strawberry.field(
        description="The CSV that importParts accepts: the header row and one example row that imports as it is "
        "(UTF-8; its category is a Chinese name, which the import accepts like the code)."
    )
    async def part_import_template(self, info: Info[Context, None]) -> str:
        context = info.context
        response = await context.clients.catalog.request(
            "GET", "/parts/import-template", headers=context.upstream_headers()
        )
        return response.content.decode("utf-8-sig")

    @strawberry.field(description="A supplier by id; null when there is none.")
    async def supplier(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The supplier's global id.")],
    ) -> Supplier | None:
        data = await info.context.loaders.supplier.load(node_uuid(id, "Supplier", field="id"))
        return Supplier.from_json(data) if data else None

    @strawberry.field(
        description="Suppliers, oldest first. With `verificationStatus` (admins only): those in that state, "
        "such as the PENDING applications waiting for review."
    )
    async def suppliers(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
        verification_status: Annotated[
            SupplierVerificationStatus | None,
            strawberry.argument(description="Only suppliers whose verification is in this state (admins only)."),
        ] = None,
    ) -> SupplierConnection:
        context = info.context
        params: dict[str, Any] = {"first": page_size(first)}
        if after:
            params["after"] = after
        if verification_status is not None:
            DECIDERS.check(context)
            params["verification_status"] = verification_status.value
        raw = await context.read_json(context.clients.catalog, "/suppliers", params=params)
        page = SupplierPage.model_validate(raw)
        # The supplier loader holds the catalog's JSON of a supplier, as its own fetch by id would.
        for edge in raw["edges"]:
            context.loaders.supplier.prime(str(edge["node"]["id"]), edge["node"])
        return SupplierConnection(
            edges=[SupplierEdge(node=Supplier.of(e.node), cursor=e.cursor) for e in page.edges],
            page_info=PageInfo(has_next_page=page.page_info.has_next_page, end_cursor=page.page_info.end_cursor),
        )
