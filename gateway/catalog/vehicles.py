"""Vehicles: VIN decoding, the make, model and year selectors, and the buyer's garage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.context import Context
from gateway.ids import node_uuid
from services.common.errors import BadInput


@strawberry.type(description="A vehicle in the catalog's own names (as the parts' fitments write them).")
class Vehicle:
    make: str = strawberry.field(description="The make, as the parts' fitments write it (`Volkswagen`).")
    model: str | None = strawberry.field(description="Null when the VIN names only the make.")
    year: int = strawberry.field(description="Model year.")
    engine_code: str | None = strawberry.field(description="Where the VIN or the buyer names it.")
    vin: str | None = strawberry.field(description="The VIN it was decoded from; null when none was given.")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vehicle:
        return cls(
            make=data["make"],
            model=data.get("model"),
            year=int(data["year"]),
            engine_code=data.get("engine_code"),
            vin=data.get("vin"),
        )


@strawberry.type(description="What a VIN tells: the manufacturer, the model year, the model where its code is known.")
class DecodedVin:
    vin: str = strawberry.field(description="The VIN as validated: 17 characters, upper case.")
    manufacturer: str = strawberry.field(description="The manufacturer its first three characters (WMI) name.")
    model_year: int | None = strawberry.field(
        description="The latest model year its 10th character allows; null when it allows none."
    )
    model: str | None = strawberry.field(description="The model, where the VIN's model code names one; else null.")
    country: str | None = strawberry.field(
        description="The country of manufacture in English (`Germany`), where the WMI names it; else null."
    )
    vehicle: Vehicle | None = strawberry.field(
        description="The decoded vehicle in the catalog's names; null when the VIN gives no model year."
    )


@strawberry.type(description="A vehicle in the signed-in buyer's garage.")
class GarageVehicle(relay.Node):
    id: relay.NodeID[str]
    make: str = strawberry.field(description="The make, in the catalog's names.")
    model: str | None = strawberry.field(description="The model; null when only the make is known.")
    year: int = strawberry.field(description="Model year.")
    engine_code: str | None = strawberry.field(description="The engine code, where the VIN or the buyer names it.")
    vin: str | None = strawberry.field(description="The VIN the vehicle was added by; null when added by name.")
    selected: bool = strawberry.field(description="The buyer's current vehicle: parts are checked against it.")
    created_at: datetime = strawberry.field(description="When the vehicle was added to the garage.")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GarageVehicle:
        return cls(
            id=str(data["id"]),
            make=data["make"],
            model=data.get("model"),
            year=int(data["year"]),
            engine_code=data.get("engine_code"),
            vin=data.get("vin"),
            selected=bool(data["selected"]),
            created_at=datetime.fromisoformat(data["created_at"]),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[GarageVehicle | None]:
        context = info.context
        if context.principal is None:
            return [None for _ in node_ids]
        mine = {str(v["id"]): v for v in await _garage(context)}
        return [cls.from_json(mine[i]) if i in mine else None for i in node_ids]


@strawberry.type(description="What the make, model and year selectors offer, from listed parts' fitments.")
class FitmentOptions:
    makes: list[str] = strawberry.field(description="Every make some listed part fits, in alphabetical order.")
    models: list[str] = strawberry.field(description="Models of the make asked; empty without one.")
    years: list[int] = strawberry.field(description="Years of the make and model asked, newest first.")


@strawberry.input(description="A vehicle: a VIN, or a make and year with the model where known.")
class VehicleInput:
    vin: str | None = strawberry.field(
        default=None, description="The 17-character VIN; when given, make, model and year come from it."
    )
    make: str | None = strawberry.field(default=None, description="The make (`Volkswagen`), without a VIN.")
    model: str | None = strawberry.field(default=None, description="The model (`Golf`), where known.")
    year: int | None = strawberry.field(default=None, description="Model year, without a VIN.")
    engine_code: str | None = strawberry.field(default=None, description="The engine code, where known.")

    def as_json(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not None}


async def _garage(context: Context) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await context.clients.catalog.get_json("/garage", headers=context.upstream_headers())
    return found


@strawberry.type
class VehicleQuery:
    @strawberry.field(
        description="Decode a VIN; one that decodes to nothing (check digit, unknown maker) is BAD_USER_INPUT on `vin`."
    )
    async def decode_vin(
        self,
        info: Info[Context, None],
        vin: Annotated[str, strawberry.argument(description="The VIN, 17 letters and digits (no I, O or Q).")],
    ) -> DecodedVin:
        context = info.context
        cleaned = vin.strip().upper()
        if not cleaned or len(cleaned) > 40 or not cleaned.isalnum():
            raise BadInput("a VIN has 17 letters and digits (no I, O or Q)", field="vin")
        data = await context.read_json(context.clients.catalog, f"/vins/{cleaned}")
        return DecodedVin(
            vin=data["vin"],
            manufacturer=data["manufacturer"],
            model_year=data.get("model_year"),
            model=data.get("model"),
            country=data.get("country"),
            vehicle=Vehicle.from_json(data["vehicle"]) if data.get("vehicle") else None,
        )

    @strawberry.field(
        description="Selectors: every make; with `make`, its models; with `make` and `model`, their years."
    )
    async def fitment_options(
        self,
        info: Info[Context, None],
        make: Annotated[str | None, strawberry.argument(description="A make, for its models.")] = None,
        model: Annotated[str | None, strawberry.argument(description="A model of `make`, for its years.")] = None,
    ) -> FitmentOptions:
        context = info.context
        params = {k: v for k, v in {"make": make, "model": model}.items() if v}
        data = await context.read_json(context.clients.catalog, "/fitment/options", params=params)
        return FitmentOptions(makes=data["makes"], models=data["models"], years=data["years"])

    @strawberry.field(description="The signed-in buyer's vehicles, oldest first; one is selected.")
    async def my_garage(self, info: Info[Context, None]) -> list[GarageVehicle]:
        context = info.context
        context.require_principal()
        return [GarageVehicle.from_json(v) for v in await _garage(context)]


@strawberry.type
class VehicleMutation:
    @strawberry.mutation(
        description="Add a vehicle to the garage and make it the current one; the same vehicle again is kept once."
    )
    async def add_vehicle(
        self,
        info: Info[Context, None],
        input: Annotated[VehicleInput, strawberry.argument(description="The vehicle: a VIN, or make and year.")],
    ) -> GarageVehicle:
        context = info.context
        context.require_principal()
        data = await context.clients.catalog.post_json("/garage", input.as_json(), headers=context.upstream_headers())
        return GarageVehicle.from_json(data)

    @strawberry.mutation(description="Make a vehicle of the garage the current one.")
    async def select_vehicle(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The garage vehicle's global id.")],
    ) -> GarageVehicle:
        context = info.context
        context.require_principal()
        vehicle_id = node_uuid(id, "GarageVehicle", field="id")
        data = await context.clients.catalog.post_json(
            f"/garage/{vehicle_id}/select", {}, headers=context.upstream_headers()
        )
        return GarageVehicle.from_json(data)

    @strawberry.mutation(description="Remove a vehicle from the garage (again: no change); the garage that is left.")
    async def remove_vehicle(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The garage vehicle's global id.")],
    ) -> list[GarageVehicle]:
        context = info.context
        context.require_principal()
        vehicle_id = node_uuid(id, "GarageVehicle", field="id")
        response = await context.clients.catalog.request(
            "DELETE", f"/garage/{vehicle_id}", headers=context.upstream_headers()
        )
        return [GarageVehicle.from_json(v) for v in response.json()]
