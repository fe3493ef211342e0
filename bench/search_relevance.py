"""The judged query set of the search comparison, graded from the generator's own ground truth.

Every synthetic part of `bench.catalog_search.generate` is made for one category and one
vehicle (make and model, kept as its fitment rows; a third of the parts list a second make for
the same model). A query here states what its words ask for (a category, a model, a make, or
the part an OEM number belongs to), and a part's grade for it follows from the part's category
and fitments alone, never from any engine's ranking:

    3  the right part type, and it fits the named model or make (or none is named)
    2  the right part type for another vehicle
    1  related: a part type of the same family (`FAMILIES`, e.g. a starter for an alternator),
       or another type that fits the named vehicle
    0  anything else

An OEM number asks for the part that carries it: that part is 3, every other 0 (each generated
number is on one part only), so the query's nDCG@10 is 1 / log2(1 + its rank).

nDCG@10 uses gains 2^grade - 1; the ideal ranking is counted in the database (the best ten
parts the catalogue holds for the query), so a query whose engine returns fewer than ten good
parts where the catalogue has them loses score. Most queries name a part type whose words are
its own, where every engine's page (all words must match) is all relevant; a few use words of
several types (`engine` is in the ECU's name, `pump` in two types, `Motor` in three), where the
ranking decides.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from services.catalog import domain
from services.catalog.models import Fitment, Part, table

P = table(Part)
F = table(Fitment)

# Part types a buyer looking for one would count as related (grade 1).
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"alternator", "starter"}),
    frozenset({"brake_caliper", "brake_pads"}),
    frozenset({"steering_rack", "power_steering_pump"}),
    frozenset({"engine", "cylinder_head", "crankshaft", "flywheel"}),
    frozenset({"turbocharger", "egr_valve", "fuel_injector"}),
    frozenset({"water_pump", "ac_compressor"}),
    frozenset({"nev_battery_module", "nev_drive_motor"}),
)

# Query classes of the timing table.
LATIN, CJK, FILTERED, OEM = "full text, English/German", "full text, Chinese/mixed", "text + make + facets", "OEM"


@dataclass(frozen=True, slots=True)
class Judged:
    """One judged query: its words (and make filter) and what they ask for."""

    q: str
    language: str  # English, Chinese, German, mixed, OEM
    category: str | None = None
    model: str | None = None  # a model the words name
    make: str | None = None  # a make the words name, or the make filter
    make_filter: bool = False  # the make is a filter (with facets), not words
    oem_part: uuid.UUID | None = None  # for an OEM number: the part that carries it

    @property
    def query_class(self) -> str:
        if self.oem_part is not None:
            return OEM
        if self.make_filter:
            return FILTERED
        return CJK if any(ch >= "\u3400" for ch in self.q) else LATIN


def _q(q: str, language: str, category: str | None, model: str | None = None, make: str | None = None) -> Judged:
    return Judged(q, language, category, model, make)


def _filtered(q: str, language: str, category: str, make: str) -> Judged:
    return Judged(q, language, category, make=make, make_filter=True)


JUDGED_TEXT: tuple[Judged, ...] = (
    # English: a part type, alone or with a model
    _q("alternator golf", "English", "alternator", "Golf"),
    _q("turbocharger hilux", "English", "turbocharger", "Hilux"),
    _q("steering rack", "English", "steering_rack"),
    _q("caliper", "English", "brake_caliper"),
    _q("water pump corolla", "English", "water_pump", "Corolla"),
    _q("ecu civic", "English", "ecu", "Civic"),
    _q("starter motor passat", "English", "starter", "Passat"),
    _q("brake pads camry", "English", "brake_pads", "Camry"),
    _q("headlamp tiguan", "English", "headlamp", "Tiguan"),
    _q("engine golf", "English", "engine", "Golf"),  # "engine" is in every ECU's title too
    _q("flywheel accord", "English", "flywheel", "Accord"),
    _q("pump corolla", "English", "water_pump", "Corolla"),  # power steering pumps are pumps too
    # Chinese
    _q("发电机", "Chinese", "alternator"),
    _q("水泵", "Chinese", "water_pump"),
    _q("涡轮增压器", "Chinese", "turbocharger"),
    _q("发动机", "Chinese", "engine"),  # and in every ECU's (发动机电脑)
    _q("丰田 发电机", "Chinese", "alternator", make="Toyota"),
    _q("大众 发动机", "Chinese", "engine", make="Volkswagen"),
    _q("动力电池模组", "Chinese", "nev_battery_module"),
    _q("高尔夫 起动机", "Chinese", "starter", "Golf"),
    _q("卡罗拉 水泵", "Chinese", "water_pump", "Corolla"),
    _q("帕萨特 大灯", "Chinese", "headlamp", "Passat"),
    _q("思域 刹车片", "Chinese", "brake_pads", "Civic"),
    _q("比亚迪 驱动电机", "Chinese", "nev_drive_motor", make="BYD"),
    # German (the category names of data/synonyms.json)
    _q("Lichtmaschine", "German", "alternator"),
    _q("Anlasser golf", "German", "starter", "Golf"),
    _q("Turbolader", "German", "turbocharger"),
    _q("Bremssattel passat", "German", "brake_caliper", "Passat"),
    _q("Wasserpumpe", "German", "water_pump"),
    _q("Stoßdämpfer", "German", "shock_absorber"),
    _q("Motor tiguan", "German", "engine", "Tiguan"),  # also a word of starters and drive motors
    _q("Kurbelwelle tiguan", "German", "crankshaft", "Tiguan"),
    # Mixed languages
    _q("golf 发电机", "mixed", "alternator", "Golf"),
    _q("Toyota 水泵", "mixed", "water_pump", make="Toyota"),
    _q("Lichtmaschine 高尔夫", "mixed", "alternator", "Golf"),
    _q("雅阁 alternator", "mixed", "alternator", "Accord"),
    _q("turbo 途观", "mixed", "turbocharger", "Tiguan"),
    _q("BYD 电池模组", "mixed", "nev_battery_module", make="BYD"),
    # Words with a make filter and facets
    _filtered("alternator", "English", "alternator", "Toyota"),
    _filtered("水泵", "Chinese", "water_pump", "Honda"),
    _filtered("remanufactured turbocharger", "English", "turbocharger", "Volkswagen"),
    _filtered("Lichtmaschine", "German", "alternator", "BYD"),
    _filtered("brake caliper", "English", "brake_caliper", "Geely"),
    _filtered("刹车片", "Chinese", "brake_pads", "Hyundai"),
)
OEM_QUERIES = 6
JUDGED_COUNT = len(JUDGED_TEXT) + OEM_QUERIES  # 50


def judged_queries(connection: Connection, count: int = OEM_QUERIES) -> list[Judged]:
    """The fixed queries plus `count` OEM numbers of parts spread over the load (as printed)."""
    total = connection.execute(select(func.count()).select_from(P)).scalar_one()
    step = max(1, total // count)
    skus = [f"B-{i:08d}" for i in range(step // 2, total, step)][:count]
    rows = connection.execute(
        select(P.c.id, P.c.oem_numbers, P.c.category, P.c.sku).where(P.c.sku.in_(skus)).order_by(P.c.sku)
    ).all()
    oem: list[Judged] = []
    for part_id, numbers, category, _ in rows:
        models = connection.execute(select(F.c.model).where(F.c.part_id == part_id).limit(1)).scalar_one()
        oem.append(Judged(str(numbers[0]), "OEM", category, models, oem_part=part_id))
    return [*JUDGED_TEXT, *oem]


def _family(category: str) -> frozenset[str]:
    return next((f for f in FAMILIES if category in f), frozenset({category}))


@dataclass(frozen=True, slots=True)
class Facts:
    """The generator's ground truth of one part: its category and its fitments' makes and models."""

    category: str
    make_keys: frozenset[str]
    model_keys: frozenset[str]


def grade(query: Judged, part_id: uuid.UUID, facts: Facts) -> int:
    if query.oem_part is not None:
        return 3 if part_id == query.oem_part else 0
    fits = _fits(query, facts)
    if facts.category == query.category:
        return 3 if fits else 2
    if query.category is not None and facts.category in _family(query.category):
        return 1
    return 1 if fits and (query.model or query.make) else 0


def _fits(query: Judged, facts: Facts) -> bool:
    if query.model and domain.key(query.model) not in facts.model_keys:
        return False
    return not (query.make and not set(domain.make_keys(query.make)) & facts.make_keys)


def facts_of(connection: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    if not ids:
        return {}
    categories = dict(connection.execute(select(P.c.id, P.c.category).where(P.c.id.in_(ids))).all())
    makes: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    models: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    for part_id, make_key, model_key in connection.execute(
        select(F.c.part_id, F.c.make_key, F.c.model_key).where(F.c.part_id.in_(ids))
    ):
        makes[part_id].add(make_key)
        models[part_id].add(model_key)
    return {i: Facts(categories[i], frozenset(makes[i]), frozenset(models[i])) for i in ids if i in categories}


def _fit_condition(query: Judged) -> ColumnElement[bool]:
    """The part has a fitment for the model and make the query names (true when it names none)."""
    fit = [F.c.part_id == P.c.id]
    if query.model:
        fit.append(F.c.model_key == domain.key(query.model))
    if query.make:
        fit.append(F.c.make_key.in_(domain.make_keys(query.make)))
    return exists().where(and_(*fit))


def ideal_grades(connection: Connection, query: Judged, k: int = 10) -> list[int]:
    """The grades of the best k parts the catalogue holds for the query, best first.

    Each level's condition takes in the better levels' parts too, so what it adds is its count
    less theirs (counted up to k).
    """
    category = query.category or ""
    same_type = P.c.category == category
    family = P.c.category.in_(sorted(_family(category)))
    levels: list[tuple[int, ColumnElement[bool]]]
    if query.oem_part is not None:
        levels = [(3, P.c.id == query.oem_part)]
    elif query.model or query.make:
        fits = _fit_condition(query)
        levels = [(3, and_(same_type, fits)), (2, same_type), (1, family | fits)]
    else:
        levels = [(3, same_type), (1, family)]
    grades: list[int] = []
    for value, condition in levels:
        if len(grades) >= k:
            break
        found = connection.execute(
            select(func.count()).select_from(select(P.c.id).where(condition).limit(k).subquery())
        ).scalar_one()
        grades.extend([value] * max(0, found - len(grades)))
    return grades[:k]


def dcg(grades: Sequence[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg(grades: Sequence[int], ideal: Sequence[int], k: int = 10) -> float:
    best = dcg(sorted(ideal, reverse=True)[:k])
    return dcg(list(grades)[:k]) / best if best > 0 else 0.0
