"""Typed client of the catalog service: part facts for quotes, and the stock reservation saga.

Its requests are built and its answers parsed with the catalog's contract (services/catalog/
contract.py), each answer validated once, straight from the bytes received."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson
from pydantic import TypeAdapter

from marketplace.actors import SYSTEM, internal_headers
from services.catalog.contract import (
    MarketsRead,
    OffersRead,
    PartMarketRead,
    PartOfferRead,
    PartRead,
    ReservationCreate,
    ReservationLineIn,
    ReservationRead,
    SupplierRead,
)
from services.common.errors import Conflict, NotFound
from services.common.http import Method, ServiceClient
from services.orders.settings import OrdersSettings


class OutOfStock(Conflict):
    code = "OUT_OF_STOCK"


@dataclass(frozen=True, slots=True)
class PartFacts:
    id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title: str
    category: str
    hs_code: str
    weight_grams: int
    price_fen: int
    core_charge_fen: int
    available: int
    listed: bool
    country_of_origin: str = "CN"
    # Months the supplier's warranty runs; the catalog's default (12) where a row predates it.
    warranty_months: int = 12
    # The part's lithium-ion battery, if it is or carries one (dangerous goods: UN3480 / UN3481).
    battery_chemistry: str | None = None
    battery_capacity_wh: int | None = None
    # Certificate-of-origin schemes (CO_RCEP ...) whose valid certificates cover the part today.
    origin_schemes: tuple[str, ...] = ()


def _facts(part: PartRead | PartOfferRead) -> PartFacts:
    """A part as orders prices it, from the catalog's whole part or its offer."""
    return PartFacts(
        id=part.id,
        supplier_id=part.supplier_id,
        sku=part.sku,
        title=part.title_en,
        category=part.category,
        hs_code=part.hs_code,
        weight_grams=part.weight_grams,
        price_fen=part.price_cny,
        core_charge_fen=part.core_charge_cny,
        available=part.available,
        listed=part.listed,
        country_of_origin=part.country_of_origin or "CN",
        warranty_months=part.warranty_months,
        battery_chemistry=part.battery_chemistry or None,
        battery_capacity_wh=part.battery_capacity_wh,
        origin_schemes=tuple(part.origin_schemes),
    )


@dataclass(frozen=True, slots=True)
class Eligibility:
    part_id: uuid.UUID
    eligible: bool
    missing_schemes: list[str]
    # Every reason it may not be sold there: {"code", "message", "source"} (condition, destination,
    # missing certification), as the shared rule gives them.
    reasons: list[dict[str, str]] = field(default_factory=list)


def _eligibility(verdict: PartMarketRead) -> Eligibility:
    return Eligibility(
        verdict.part_id, verdict.eligible, verdict.missing_schemes, [reason.model_dump() for reason in verdict.reasons]
    )


class CatalogClient:
    """The catalog as the orders service calls it, as the system (the internal token names no
    buyer: the orders service has checked who may do what before it calls)."""

    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        timeout: float,
        read_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = ServiceClient(
            "catalog", base_url, timeout=timeout, attempts=1 + read_retries, transport=transport
        )
        self.secret = secret

    @classmethod
    def for_settings(cls, settings: OrdersSettings) -> CatalogClient:
        """The catalog as the orders service's settings name it (its web processes and the
        worker's reactions alike)."""
        return cls(
            settings.catalog_url,
            secret=settings.internal_secret.get_secret_value(),
            timeout=settings.upstream_timeout_seconds,
            read_retries=settings.upstream_read_retries,
        )

    def close(self) -> None:
        self.service.close()

    def _call(
        self,
        method: Method,
        path: str,
        *,
        field: str | None = None,
        idempotent: bool | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> bytes:
        """The answer's body, for the caller to parse with the catalog's contract."""
        headers = internal_headers(SYSTEM, self.secret)
        response = self.service.request_sync(
            method, path, headers=headers, json=json, params=params, idempotent=idempotent, field=field
        )
        return response.content

    def markets(self, country: str, part_ids: Sequence[uuid.UUID], *, field: str) -> dict[uuid.UUID, Eligibility]:
        """May these parts be sold in `country` today: the catalog's markets per part, the same
        read model `shipsTo` filters on. A bad country is reported as `field`."""
        if not part_ids:
            return {}
        body = {"country": country, "part_ids": [str(p) for p in part_ids]}
        # A read with a body: safe to retry.
        answer = MarketsRead.model_validate_json(
            self._call("POST", "/parts/markets", idempotent=True, json=body, field=field)
        )
        return {part.part_id: _eligibility(part) for part in answer.parts}

    def offers(
        self, country: str, part_ids: Sequence[uuid.UUID], *, field: str
    ) -> dict[uuid.UUID, tuple[PartFacts, Eligibility]]:
        """The parts as a quote prices them in `country`, each with whether it may be sold there
        today, in one call; unknown ids are left out. A bad country is reported as `field`."""
        if not part_ids:
            return {}
        body = {"country": country, "part_ids": [str(p) for p in part_ids]}
        # A read with a body: safe to retry.
        answer = OffersRead.model_validate_json(
            self._call("POST", "/parts/offers", idempotent=True, json=body, field=field)
        )
        return {part.id: (_facts(part), _eligibility(part.market)) for part in answer.parts}

    def parts(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PartFacts]:
        """The parts by id (delisted included); unknown ids are left out."""
        if not ids:
            return {}
        found = _PARTS.validate_json(
            self._call("GET", "/parts", params={"ids": ",".join(str(i) for i in ids)}, field="lines")
        )
        return {part.id: _facts(part) for part in found}

    def supplier(self, supplier_id: uuid.UUID) -> dict[str, Any]:
        """The supplier's company as the catalog keeps it (names, USCC, address), in the
        catalog's contract's `SupplierRead` shape."""
        data: dict[str, Any] = orjson.loads(self._call("GET", f"/suppliers/{supplier_id}", field="supplier_id"))
        return data

    def supplier_names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Suppliers' English names by id (for documents such as receipts); unknown ids left out."""
        if not ids:
            return {}
        found = _SUPPLIERS.validate_json(
            self._call("GET", "/suppliers/batch", params={"ids": ",".join(str(i) for i in ids)})
        )
        return {supplier.id: supplier.name_en for supplier in found}

    def reserve(
        self, key: str, lines: Sequence[tuple[uuid.UUID, int]], *, ttl_seconds: int, order_ref: str
    ) -> ReservationRead:
        body = ReservationCreate(
            idempotency_key=key,
            lines=[ReservationLineIn(part_id=part, quantity=quantity) for part, quantity in lines],
            ttl_seconds=ttl_seconds,
            order_ref=order_ref,
        ).model_dump(mode="json")
        try:
            # The idempotency key makes a second try the same reservation, never a second one.
            answer = self._call("POST", "/reservations", idempotent=True, json=body, field="quoteId")
        except Conflict as conflict:
            raise OutOfStock(
                conflict.detail,
                field="quoteId",
                insufficient_part_ids=conflict.extra.get("insufficient_part_ids", []),
            ) from None
        return ReservationRead.model_validate_json(answer)

    def commit(self, key: str) -> str:
        return self._settle(key, "commit")

    def restock(self, key: str) -> str:
        """A paid order cancelled before shipment: its sold units go back on hand."""
        return self._settle(key, "restock")

    def release(self, key: str) -> str | None:
        """Give the units back; None when the catalog never saw this reservation."""
        try:
            return self._settle(key, "release")
        except NotFound:
            return None

    def _settle(self, key: str, how: str) -> str:
        """The reservation's status once settled `how`; settling twice changes nothing."""
        answer = self._call("POST", f"/reservations/{key}/{how}", idempotent=True)
        return ReservationRead.model_validate_json(answer).status

    def active_reservations(self, *, created_before: datetime, limit: int) -> list[ReservationRead]:
        """Reservations still holding stock that were made before `created_before`, oldest first."""
        params = {"created_before": created_before.isoformat(), "limit": limit}
        return _RESERVATIONS.validate_json(self._call("GET", "/reservations/active", params=params))


_PARTS = TypeAdapter(list[PartRead])
_SUPPLIERS = TypeAdapter(list[SupplierRead])
_RESERVATIONS = TypeAdapter(list[ReservationRead])
