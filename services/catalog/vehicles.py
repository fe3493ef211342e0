"""Vehicles: a VIN decoded into the catalog's own make and model names, the make, model and year
selectors, whether a part fits a vehicle, and the buyer's garage.

A decoded VIN knows the manufacturer, the model year and, for the makes in data/vin_models.json
or vininfo's details, the model. The catalog's fitments are written by suppliers (`VW`,
`Volkswagen`); the vehicle is named the way most fitments of that make and model name it, so
the garage, the selectors and the search filters speak the same words.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import domain
from services.catalog.contract import (
    FitmentOptions,
    FitsRead,
    FitsRequest,
    GarageVehicleRead,
    PartFits,
    VehicleIn,
    VehicleRead,
)
from services.catalog.models import Fitment, GarageVehicle, Part
from services.common.clock import utcnow
from services.common.errors import BadInput, Forbidden, NotFound

MAX_GARAGE_VEHICLES = 20
MIN_YEAR, MAX_YEAR = 1950, 2100


@dataclass(frozen=True, slots=True)
class Vehicle:
    make: str
    model: str | None
    year: int
    engine_code: str | None = None
    vin: str | None = None

    @property
    def key(self) -> str:
        """What makes two garage entries the same vehicle: the VIN, else make, model and year."""
        if self.vin:
            return f"vin:{self.vin}"
        return f"{domain.make_keys(self.make)[0]}:{domain.key(self.model or '')}:{self.year}"

    def read(self) -> VehicleRead:
        return VehicleRead(make=self.make, model=self.model, year=self.year, engine_code=self.engine_code, vin=self.vin)


class FitmentLike(Protocol):
    make: str
    model: str
    year_from: int
    year_to: int
    engine_code: str | None


def fits(fitments: Iterable[FitmentLike], vehicle: Vehicle) -> bool:
    """A part fits when one fitment names the vehicle's make and model and covers its year; a
    vehicle known only by make and year is matched on those; engine codes, when both sides give
    one, must agree (a fitment without an engine code fits every engine)."""
    make_keys = set(domain.make_keys(vehicle.make))
    model_key = domain.key(vehicle.model) if vehicle.model else None
    engine = domain.key(vehicle.engine_code) if vehicle.engine_code else None
    for f in fitments:
        if domain.make_keys(f.make)[0] not in make_keys:
            continue
        if model_key is not None and domain.key(f.model) != model_key:
            continue
        if not f.year_from <= vehicle.year <= f.year_to:
            continue
        if engine and f.engine_code and domain.key(f.engine_code) != engine:
            continue
        return True
    return False


def parts_fit(session: Session, request: FitsRequest) -> FitsRead:
    """Whether each part fits the vehicle, for a page of parts in one query."""
    vehicle = from_input(session, request.vehicle)
    ids = list(dict.fromkeys(request.part_ids))
    known = set(session.scalars(select(col(Part.id)).where(col(Part.id).in_(ids))))
    by_part: dict[uuid.UUID, list[Fitment]] = {i: [] for i in ids}
    for f in session.scalars(select(Fitment).where(col(Fitment.part_id).in_(ids))):
        by_part[f.part_id].append(f)
    return FitsRead(
        vehicle=vehicle.read(),
        results=[PartFits(part_id=i, fits=fits(by_part[i], vehicle)) for i in ids if i in known],
    )


# --- Names as the catalog writes them ------------------------------------------------------


def _usual_name(session: Session, column: object, *conditions: object) -> str | None:
    """The most common spelling in fitments matching the conditions (`Volkswagen` over `VW`)."""
    row = session.execute(
        select(column, func.count())  # type: ignore[call-overload]
        .where(*conditions)
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(1)
    ).first()
    return str(row[0]) if row else None


def catalog_make(session: Session, make_keys: Sequence[str], fallback: str) -> str:
    name = _usual_name(session, Fitment.make, col(Fitment.make_key).in_(make_keys))
    return name or fallback


def catalog_model(session: Session, make_keys: Sequence[str], model: str) -> str:
    name = _usual_name(
        session, Fitment.model, col(Fitment.make_key).in_(make_keys), col(Fitment.model_key) == domain.key(model)
    )
    return name or model


def from_vin(session: Session, raw: str, *, field: str = "vin") -> tuple[domain.DecodedVin, Vehicle | None]:
    """The VIN decoded, and the vehicle it names (None when the VIN gives no model year)."""
    decoded = domain.decode_vin(raw.strip().upper(), field=field)
    if decoded.model_year is None:
        return decoded, None
    fallback = decoded.manufacturer.split("/")[0].strip()
    make = catalog_make(session, decoded.make_keys, fallback)
    model = catalog_model(session, decoded.make_keys, decoded.model) if decoded.model else None
    return decoded, Vehicle(make, model, decoded.model_year, decoded.engine_code, decoded.vin)


def from_input(session: Session, data: VehicleIn) -> Vehicle:
    """A vehicle from a VIN, or from make, model and year; each mistake names its field."""
    if data.vin:
        _, vehicle = from_vin(session, data.vin)
        if vehicle is None:
            raise BadInput("the model year cannot be read from this VIN; choose make, model and year", field="vin")
        return vehicle
    if not data.make:
        raise BadInput("give a VIN, or a make, model and year", field="make")
    if data.year is None:
        raise BadInput("give the model year", field="year")
    if not MIN_YEAR <= data.year <= MAX_YEAR:
        raise BadInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    keys = domain.make_keys(data.make)
    make = catalog_make(session, keys, data.make)
    model = catalog_model(session, keys, data.model) if data.model else None
    return Vehicle(make, model, data.year, data.engine_code or None)


# --- Selectors --------------------------------------------------------------------------


def options(session: Session, make: str | None = None, model: str | None = None) -> FitmentOptions:
    """Makes, the models of a make and the years of a make and model, from listed parts' fitments."""
    listed = col(Fitment.part_id).in_(select(col(Part.id)).where(col(Part.listed)))
    makes = _names(session, col(Fitment.make), col(Fitment.make_key))
    models: list[str] = []
    years: list[int] = []
    if make:
        keys = domain.make_keys(make)
        models = _names(session, col(Fitment.model), col(Fitment.model_key), col(Fitment.make_key).in_(keys))
        if model:
            found: set[int] = set()
            for year_from, year_to in session.execute(
                select(col(Fitment.year_from), col(Fitment.year_to))
                .where(listed, col(Fitment.make_key).in_(keys), col(Fitment.model_key) == domain.key(model))
                .distinct()
            ):
                found.update(range(max(year_from, MIN_YEAR), min(year_to, MAX_YEAR) + 1))
            years = sorted(found, reverse=True)
    return FitmentOptions(makes=makes, models=models, years=years)


def selector_key(make: str | None, model: str | None) -> Hashable:
    """What the selectors' answer depends on: `VW` and `Volkswagen` ask the same question.

    Answers are kept a minute per process (`selector_cache_seconds`, services/common/memo.py):
    every search page asks for the makes, a probe per make and 13 queries at a million parts,
    a quarter of PostgreSQL's time under the storefront's mix; they change only when a part of a
    new make, model or year range is listed or the last one delisted."""
    if not make:
        return ()
    return (domain.make_keys(make), domain.key(model) if model else None)


# How many of a make's listed fitments are read to name it: enough for the way most suppliers
# spell it to show, few enough that naming a make stays a few milliseconds (each costs a look at
# its part's row: 1,000 took 67 ms at a million parts, cold).
NAME_SAMPLE = 100


def _names(session: Session, name: Mapped[str], key: Mapped[str], *within: ColumnElement[bool]) -> list[str]:
    """The makes (or a make's models) that listed parts fit, each as most of their fitments
    spell it, sorted as a person reads them.

    The keys come from a loose index scan of the fitment index (make_key, model_key, part_id):
    one probe per key, where grouping every fitment took 2.7 s at a million parts, and every
    search page asks for the makes. Each key is then named from a sample of its listed fitments."""
    first = select(func.min(key).label("key")).where(*within).cte("fitment_keys", recursive=True)
    following = select(select(func.min(key)).where(*within, key > first.c.key).scalar_subquery()).where(
        first.c.key.is_not(None)
    )
    keys = first.union_all(following)
    found = (
        _name(session, name, key == value, *within)
        for (value,) in session.execute(select(keys.c.key).where(keys.c.key.is_not(None)))
    )
    return sorted(filter(None, found), key=str.casefold)


def _name(session: Session, name: Mapped[str], *where: ColumnElement[bool]) -> str | None:
    """The name most of the first NAME_SAMPLE listed fitments matching `where` give, or None when
    no listed part matches."""
    sample = (
        select(name.label("name"))
        .join(Part, col(Part.id) == col(Fitment.part_id))
        .where(*where, col(Part.listed))
        .limit(NAME_SAMPLE)
        .subquery()
    )
    spellings = Counter(
        {spelled: int(n) for spelled, n in session.execute(select(sample.c.name, func.count()).group_by(sample.c.name))}
    )
    return spellings.most_common(1)[0][0] if spellings else None


# --- The garage -----------------------------------------------------------------------------


def _owner(actor: Actor) -> str:
    """Garages belong to signed-in buyers (a visitor's vehicle lives in the storefront's cookie)."""
    if actor.role == Role.ANONYMOUS:
        raise Forbidden("sign in to keep vehicles in a garage")
    return actor.id


def _read(v: GarageVehicle) -> GarageVehicleRead:
    return GarageVehicleRead(
        id=v.id,
        make=v.make,
        model=v.model,
        year=v.year,
        engine_code=v.engine_code,
        vin=v.vin,
        selected=v.selected,
        created_at=v.created_at,
    )


def garage(session: Session, actor: Actor) -> list[GarageVehicleRead]:
    owner = _owner(actor)
    rows = session.scalars(
        select(GarageVehicle)
        .where(col(GarageVehicle.account_id) == owner)
        .order_by(col(GarageVehicle.created_at), col(GarageVehicle.id))
    )
    return [_read(v) for v in rows]


def _select(session: Session, owner: str, vehicle_id: uuid.UUID) -> None:
    session.execute(
        update(GarageVehicle)
        .where(col(GarageVehicle.account_id) == owner)
        .values(selected=col(GarageVehicle.id) == vehicle_id)
    )


def add_vehicle(session: Session, actor: Actor, data: VehicleIn) -> GarageVehicleRead:
    """Add a vehicle and make it the current one. The same vehicle again (same VIN, or same make,
    model and year) is the one already there, selected: a retried request adds nothing."""
    owner = _owner(actor)
    vehicle = from_input(session, data)
    existing = session.scalar(
        select(GarageVehicle).where(
            col(GarageVehicle.account_id) == owner, col(GarageVehicle.vehicle_key) == vehicle.key
        )
    )
    if existing is None:
        count = session.scalar(
            select(func.count()).select_from(GarageVehicle).where(col(GarageVehicle.account_id) == owner)
        )
        if (count or 0) >= MAX_GARAGE_VEHICLES:
            raise BadInput(f"a garage holds at most {MAX_GARAGE_VEHICLES} vehicles; remove one first", field="vin")
        existing = GarageVehicle(
            account_id=owner,
            vehicle_key=vehicle.key,
            make=vehicle.make,
            model=vehicle.model,
            year=vehicle.year,
            engine_code=vehicle.engine_code,
            vin=vehicle.vin,
            created_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(existing)
                session.flush()
        except IntegrityError:  # the same vehicle added by a concurrent retry
            existing = session.scalars(
                select(GarageVehicle).where(
                    col(GarageVehicle.account_id) == owner, col(GarageVehicle.vehicle_key) == vehicle.key
                )
            ).one()
    _select(session, owner, existing.id)
    session.refresh(existing)
    return _read(existing)


def _own_vehicle(session: Session, owner: str, vehicle_id: uuid.UUID) -> GarageVehicle:
    found = session.get(GarageVehicle, vehicle_id)
    if found is None or found.account_id != owner:
        raise NotFound("no such vehicle in your garage", field="id")
    return found


def select_vehicle(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> GarageVehicleRead:
    owner = _owner(actor)
    found = _own_vehicle(session, owner, vehicle_id)
    _select(session, owner, found.id)
    session.refresh(found)
    return _read(found)


def remove_vehicle(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> list[GarageVehicleRead]:
    """Remove a vehicle (removing one already gone changes nothing); the garage that is left."""
    owner = _owner(actor)
    session.execute(
        delete(GarageVehicle).where(col(GarageVehicle.account_id) == owner, col(GarageVehicle.id) == vehicle_id)
    )
    return garage(session, actor)
