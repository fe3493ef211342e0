"""Per-request DataLoaders: a page of parts costs one upstream call per service and field kind.

Built fresh for every request inside the Context (never module-level: a loader caches,
and its cache must not outlive one caller's request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned

from gateway.clients import ById
from gateway.invalidation import BY_IDS as PARTS_BY_ID
from services.certification.contract import EligibilityResponse, PartEligibility
from services.common.money import Money as MoneyValue
from services.orders.contract.quotes import ConversionsRead, PartEstimateRead, PartEstimatesRead, PartFactsIn

if TYPE_CHECKING:
    from gateway.context import Context

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")

# The services accept at most this many ids per batch call.
BATCH_LIMIT = 100


def chunks(items: Sequence[T], size: int = BATCH_LIMIT) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def by_key(
    fetch: Callable[[Sequence[K]], Awaitable[list[dict[str, Any]]]], key: Callable[[dict[str, Any]], K]
) -> Callable[[Sequence[K]], Awaitable[list[dict[str, Any] | None]]]:
    """Turn "fetch these ids" into a DataLoader batch function that answers in key order,
    with None for ids the service does not know."""

    async def load(keys: Sequence[K]) -> list[dict[str, Any] | None]:
        found: dict[K, dict[str, Any]] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            for item in await fetch(chunk):
                found[key(item)] = item
        return [found.get(k) for k in keys]

    return load


def settled(pending: Awaitable[T], then: Callable[[T], R]) -> R:
    """`then` of what a loader gives: at once when the loader has it already, else later.

    graphql-core awaits whatever a resolver returns that is awaitable, so a resolver written
    as a plain function may hand back either. A field whose data a page prefetched (see
    gateway/catalog/prefetch.py) then resolves without a coroutine or a task, which is most of
    what executing a page of parts costs. The type says R because that is what the client gets.
    """
    if isinstance(pending, asyncio.Future) and pending.done():
        return then(pending.result())

    async def later() -> R:
        return then(await pending)

    return cast(R, later())


async def loaded(loader: DataLoader[K, T], keys: Sequence[K]) -> list[T]:
    """`loader.load_many(keys)`, at once when every key is loaded already (a primed page of
    parts, say): gathering them would cost a callback and a loop turn each."""
    pending = [loader.load(key) for key in keys]
    if all(isinstance(p, asyncio.Future) and p.done() for p in pending):
        return [cast("asyncio.Future[T]", p).result() for p in pending]
    return list(await asyncio.gather(*pending))


async def fetch_into(loader: DataLoader[K, T], keys: Iterable[K]) -> None:
    """Load `keys` into `loader` with one call of its batch function, for the fields that will
    ask it for them: what a `load` of each key would do, without a future, a done-callback and
    a batch entry for each (a page of parts prefetches about sixty keys).

    Keys the loader has, or is loading, are left to it. A failed call is kept as each key's
    failure, as the loader keeps it, so only the fields that need one of those keys fail."""
    missing = [key for key in dict.fromkeys(keys) if loader.cache_map.get(key) is None]
    if not missing:
        return
    values: list[Any]
    try:
        values = list(await loader.load_fn(missing))
        if len(values) != len(missing):
            raise WrongNumberOfResultsReturned(expected=len(missing), received=len(values))
    except Exception as error:  # each field that needs one of the keys re-raises it
        values = [error] * len(missing)
    for key, value in zip(missing, values, strict=True):
        future: asyncio.Future[Any] = loader.loop.create_future()
        if isinstance(value, BaseException):
            future.set_exception(value)
            future.exception()  # retrieved here, so that a failure no field asks for is not logged as lost
        else:
            future.set_result(value)
        loader.cache_map.set(key, future)


def part_facts(part: dict[str, Any], quantity: int = 1) -> dict[str, Any]:
    """What the orders service's estimates need of a catalog part (its contract's PartFactsIn),
    as the body of a call: the one place a part's facts are taken from the catalog's answer."""
    return PartFactsIn(
        part_id=str(part["id"]),
        category=part["category"],
        hs_code=part["hs_code"],
        weight_grams=part["weight_grams"],
        price_cny=part["price_cny"],
        core_charge_cny=part.get("core_charge_cny") or 0,
        quantity=quantity,
        country_of_origin=part.get("country_of_origin") or "CN",
        origin_schemes=part.get("origin_schemes") or [],
    ).model_dump()


class Loaders:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.part = DataLoader(by_key(self._parts, lambda p: str(p["id"])))
        self.supplier = DataLoader(by_key(self._suppliers, lambda s: str(s["id"])))
        self.convert = DataLoader(self._convert)
        self.eligibility = DataLoader(self._eligibility)
        self.certificate = DataLoader(by_key(self._certificates, lambda c: str(c["id"])))
        self.part_certificates = DataLoader(self._part_certificates)
        self.landed_estimate = DataLoader(self._landed_estimates)
        self.fits = DataLoader(self._fits)

    async def _parts(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        c = self.context
        return await c.read_by_ids(c.clients.catalog, PARTS_BY_ID, ids)

    async def _suppliers(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        c = self.context
        result: list[dict[str, Any]] = await c.read_json(
            c.clients.catalog, "/suppliers/batch", params={"ids": ",".join(ids)}
        )
        return result

    async def _convert(self, keys: Sequence[tuple[int, str]]) -> list[MoneyValue]:
        """CNY fen -> the buyer's currency at the orders service's current rate (with margin)."""
        c = self.context
        answer = ConversionsRead.model_validate(
            await c.read_json(
                c.clients.orders,
                "/fx/conversions",
                body={"items": [{"amount_cny": amount, "currency": currency} for amount, currency in keys]},
            )
        )
        return [MoneyValue(item.amount, item.currency) for item in answer.items]

    async def _part_refs(self, part_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """What the certification service needs to know of each part, from the (primed) part loader."""
        parts = await loaded(self.part, list(dict.fromkeys(part_ids)))
        return {
            str(p["id"]): {
                "part_id": str(p["id"]),
                "supplier_id": str(p["supplier_id"]),
                "category": p["category"],
                "oem_numbers": p["oem_numbers"],
                "condition": p.get("condition"),
            }
            for p in parts
            if p is not None
        }

    async def _eligibility(self, keys: Sequence[tuple[str, str]]) -> list[tuple[str, PartEligibility | None]]:
        """(part id, country) -> the country as the certification service names it and its verdict,
        parsed with its contract (None for a part it was not asked about: not found); one
        certification call per country asked."""
        c = self.context
        refs = await self._part_refs([part_id for part_id, _ in keys])
        answers: dict[tuple[str, str], tuple[str, PartEligibility]] = {}
        for country in dict.fromkeys(country for _, country in keys):
            wanted = [refs[p] for p, k in dict.fromkeys(keys) if k == country and p in refs]
            for chunk in chunks(wanted):
                result = EligibilityResponse.model_validate(
                    await c.read_json(
                        c.clients.certification, "/eligibility", body={"country": country, "parts": list(chunk)}
                    )
                )
                for verdict in result.results:
                    answers[(str(verdict.part_id), country)] = (result.country, verdict)
        return [answers.get(key, (key[1], None)) for key in keys]

    async def _landed_estimates(self, keys: Sequence[tuple[str, str, str]]) -> list[PartEstimateRead | None]:
        """(part id, country, currency) -> the orders service's estimate; one call per country and
        currency asked (a page of parts is one call), from the part facts the page already holds."""
        c = self.context
        parts = {str(p["id"]): p for p in await loaded(self.part, list(dict.fromkeys(k[0] for k in keys))) if p}
        answers: dict[tuple[str, str, str], PartEstimateRead] = {}
        for country, currency in dict.fromkeys((k[1], k[2]) for k in keys):
            facts = [
                part_facts(parts[part_id])
                for part_id, k_country, k_currency in dict.fromkeys(keys)
                if (k_country, k_currency) == (country, currency) and part_id in parts
            ]
            for chunk in chunks(facts, 100):
                result = PartEstimatesRead.model_validate(
                    await c.read_json(
                        c.clients.orders,
                        "/estimates/parts",
                        body={"destination_country": country, "currency": currency, "parts": list(chunk)},
                    )
                )
                for estimate in result.estimates:
                    answers[(estimate.part_id, country, currency)] = estimate
        return [answers.get(key) for key in keys]

    async def _certificates(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        c = self.context
        page = await c.read_json(c.clients.certification, "/certificates", params={"ids": ",".join(ids)})
        return list(page["items"])

    async def _part_certificates(self, part_ids: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Every certificate that covers each part (its own scope, its category or OEM
        numbers, and its supplier's quality system), in one call per page of parts."""
        c = self.context
        refs = await self._part_refs(part_ids)
        covering: dict[str, list[dict[str, Any]]] = {}
        for chunk in chunks(list(refs.values())):
            result = await c.read_json(c.clients.certification, "/certificates/applicable", body={"parts": list(chunk)})
            for item in result["results"]:
                covering[str(item["part_id"])] = item["certificates"]
        return [covering.get(part_id, []) for part_id in part_ids]

    async def _fits(self, keys: Sequence[tuple[str, tuple[tuple[str, Any], ...]]]) -> list[bool]:
        """(part id, vehicle) -> does it fit; one catalog call per vehicle asked about."""
        c = self.context
        answers: dict[tuple[str, tuple[tuple[str, Any], ...]], bool] = {}
        for vehicle in dict.fromkeys(v for _, v in keys):
            wanted = list(dict.fromkeys(p for p, v in keys if v == vehicle))
            for chunk in chunks(wanted):
                result = await c.read_json(
                    c.clients.catalog, "/parts/fits", body={"vehicle": dict(vehicle), "part_ids": list(chunk)}
                )
                for item in result["results"]:
                    answers[(str(item["part_id"]), vehicle)] = bool(item["fits"])
        return [answers.get(key, False) for key in keys]

    def prime_parts(self, parts: Sequence[dict[str, Any]]) -> None:
        """Parts that came with a search page need no second fetch by id in this request (and
        are kept for the next ones: `parts_in`)."""
        for part in parts:
            self.part.prime(str(part["id"]), part)


def parts_in(items: Callable[[Any], Iterable[dict[str, Any]]]) -> ById:
    """An answer holding parts as the catalog's read by id answers them (a search page, an OEM
    lookup): each is kept for the part loader of the requests that follow, such as a listing's
    estimates and prices, which would otherwise ask for the page's parts again."""
    return ById(PARTS_BY_ID, items)
