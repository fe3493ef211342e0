"""Traffic benchmark: the storefront's real mix of reads, through the gateway, on PostgreSQL with
a million parts, and the resident memory of every process of the stack afterwards.

    uv run python -m bench.traffic --keep                     # full size: 1,000,000 parts
    uv run python -m bench.traffic --parts 300 --seconds 1 --clients 1,2 --cleanup   # tiny

Loads the databases (bench/traffic_data.py; `--keep` keeps the catalog and certification ones,
named by size, for the next run: loading a million parts takes minutes), starts the whole stack
(`tongnan up` on free ports, demo data off) once with the gateway's read cache on and once off,
and sends the mix from this process at each number of clients.

The mix is what the storefront sends for its pages, with its own GraphQL documents
(storefront/queries.py, storefront/checkout.py). A visit is one of:

- listing, 70 %: the search page (`Search`: words or filters, with facets and fitment options),
  followed, as the storefront does, by the page's landed estimates (`Estimates`) and, unless the
  visitor reads CNY, its prices in their currency (`Prices`) at once. A visit of depth 2 or 3
  pages on by the cursor the previous page gave. Drawn from 10,000 distinct listings (words in
  English, Chinese and German from the generator's vocabulary and the category synonyms;
  category, condition and make filters; `shipsTo` a country; a currency; depth 1 to 3) with a
  Zipf distribution (s = 1.1): a few searches are very common, most are rare;
- part page, 20 %: `Part` for one part (drawn with the same Zipf law over 5,000 parts), then its
  estimate and price as above;
- OEM lookup, 7 %: the search page with an OEM number typed in the box in one of the ways people
  type them (`Search` answers it from the part-number index), then estimates and prices;
- quote, 3 %: the cart's landed price for one or two of a part to the visitor's country and
  currency (`CartEstimate`, what the storefront shows before a signed-in buyer makes a quote;
  making and paying quotes is bench/checkout.py's).

Why these shares: on a parts shop people mostly search and filter, and open one part for every
three or four result pages they look at (a product page per 3-4 listing views is the usual
e-commerce funnel); trade buyers who know the OEM number type it instead, a minority of
searches; and a cart is priced for a few per cent of page views (add-to-cart rates of 3 to 5 %).

For each setting it prints GraphQL requests per second, p50/p95/p99 of single requests, the
errors (must be 0), each kind's page time (what the storefront waits for before it renders:
the first request, then its follow-ups at once), and the CPU per request of each process (the
stack's, PostgreSQL's, this one's) with how busy the cores were: where a request's cost goes.
Beside them, `rest`: the same visits sent straight to the services, each GraphQL request
replaced by the calls the gateway made for it (recorded once by executing it in this process,
with the gateway's schema and real clients, the read cache off), in the waves the gateway made
them: the floor a gateway adds to.

After the first setting's levels it prints the resident memory (RSS, USS and PSS) of every
process of the stack and of the PostgreSQL backends serving its databases, and the total.
`--profile DIR` adds one more level per setting with py-spy on every service and prints where
each spends its CPU. The loaded catalog is recorded as decided today, so `tongnan up` starts
without deciding every part's markets again (minutes at a million parts).
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url
from strawberry import relay

from bench import traffic_data
from bench.catalog_search import _GRADES, _MODELS, _ZH_PHRASES, _vocabulary
from bench.gateway import Stack, launch
from bench.processes import role_of
from gateway.clients import ServiceClients
from gateway.context import Context
from gateway.identity.throttle import LoginThrottle
from gateway.schema import schema
from gateway.settings import GatewaySettings
from marketplace.actors import ANONYMOUS, internal_headers
from services.catalog import domain
from services.common.db import make_engine
from services.common.settings import DEVELOPMENT_INTERNAL_SECRET, normalise_database_url
from storefront import queries
from storefront.checkout import CART_ESTIMATE
from tests.harness import isolated_environment

KINDS = ("listing", "part page", "OEM lookup", "quote")
SHARES = (0.70, 0.20, 0.07, 0.03)
ZIPF_S = 1.1
DISTINCT_LISTINGS = 10_000
DISTINCT_PARTS = 5_000

# Where visitors are, with the currency they read and their language; drawn with these weights.
VISITORS: tuple[tuple[str, str, str, float], ...] = (
    ("DE", "EUR", "de", 14),
    ("FR", "EUR", "en", 6),
    ("PL", "PLN", "en", 4),
    ("GB", "GBP", "en", 10),
    ("US", "USD", "en", 12),
    ("AE", "USD", "en", 8),
    ("SA", "USD", "en", 4),
    ("AU", "AUD", "en", 6),
    ("CA", "CAD", "en", 4),
    ("JP", "JPY", "en", 4),
    ("KR", "KRW", "en", 3),
    ("TH", "USD", "en", 4),
    ("MY", "USD", "en", 3),
    ("NO", "NOK", "en", 2),
    ("CH", "CHF", "de", 3),
    ("BR", "USD", "en", 3),
    ("ZA", "USD", "en", 2),
    ("SG", "SGD", "zh", 3),
    ("VN", "CNY", "zh", 1),
)


# --- The mix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    kind: str
    country: str
    currency: str
    locale: str
    search: str | None = None
    filter: tuple[tuple[str, Any], ...] = ()
    depth: int = 1
    part_id: str | None = None
    quantity: int = 1


def zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    return [1 / (k**s) for k in range(1, n + 1)]


def search_words(seed: int) -> list[str]:
    """Words a visitor types, in English, Chinese and German, from what the parts are made of:
    category names and their synonyms, makes and models, grades, the descriptions' phrases."""
    words: set[str] = set()
    for category in domain.categories().values():
        if category.code != "other":
            words.update((category.name_en.lower(), category.name_zh))
    for synonyms in domain.category_synonyms().values():
        words.update(synonyms)
    for make, make_zh, model, model_zh, engines, _ in _MODELS:
        words.update((make, make_zh, model, model_zh, *engines))
    for _, grade_en, grade_zh, _ in _GRADES:
        words.update((grade_en.split(",")[0].lower(), grade_zh.split()[0]))
    words.update(_ZH_PHRASES)
    # A few of the made-up words in the descriptions: the long tail of rare searches.
    words.update(_vocabulary(random.Random(seed))[:200])
    return sorted(words)


def build_listings(seed: int, count: int = DISTINCT_LISTINGS) -> list[Visit]:
    """`count` distinct listing visits, the most common first (the Zipf rank is the index)."""
    rng = random.Random(seed)
    words = search_words(seed)
    categories = [c.code for c in domain.categories().values() if c.code != "other"]
    conditions = [g[0] for g in _GRADES]
    makes = sorted({m[0] for m in _MODELS})
    visitor_weights = [v[3] for v in VISITORS]
    seen: set[Visit] = set()
    out: list[Visit] = []
    while len(out) < count:
        country, currency, locale, _ = rng.choices(VISITORS, visitor_weights)[0]
        shape = rng.random()
        search: str | None = None
        filters: dict[str, Any] = {}
        if shape < 0.45:  # words only
            search = rng.choice(words) if rng.random() < 0.7 else f"{rng.choice(words)} {rng.choice(words)}"
        elif shape < 0.75:  # a category page, perhaps narrowed
            filters["category"] = rng.choice(categories)
            if rng.random() < 0.4:
                filters["condition"] = rng.choice(conditions)
            if rng.random() < 0.3:
                filters["make"] = rng.choice(makes)
        else:  # words and filters
            search = rng.choice(words)
            filters[rng.choice(("category", "condition", "make"))] = None
            filters = {
                k: rng.choice(categories if k == "category" else conditions if k == "condition" else makes)
                for k in filters
            }
        if rng.random() < 0.35:
            filters["shipsTo"] = country
        if rng.random() < 0.15:
            filters["inStock"] = True
        depth = rng.choices((1, 2, 3), (0.75, 0.17, 0.08))[0]
        visit = Visit("listing", country, currency, locale, search, tuple(sorted(filters.items())), depth)
        if visit not in seen:
            seen.add(visit)
            out.append(visit)
    return out


def typed_oem(number: str, rng: random.Random) -> str:
    """An OEM number as people type it: as printed, lower case, spaced, dotted or run together."""
    return rng.choice(
        (number, number.lower(), number.replace("-", " "), number.replace("-", "."), number.replace("-", ""))
    )


@dataclass
class Mix:
    listings: list[Visit]
    part_ids: list[str]  # global ids, most visited first
    oem_numbers: list[str]
    seed: int

    def draws(self) -> Iterator[Visit]:
        """An endless sequence of visits, the same for the same seed and data."""
        rng = random.Random(self.seed + 1)
        listing_weights = zipf_weights(len(self.listings))
        part_weights = zipf_weights(len(self.part_ids))
        visitor_weights = [v[3] for v in VISITORS]
        while True:
            kind = rng.choices(KINDS, SHARES)[0]
            if kind == "listing":
                yield rng.choices(self.listings, listing_weights)[0]
                continue
            country, currency, locale, _ = rng.choices(VISITORS, visitor_weights)[0]
            if kind == "part page":
                part = rng.choices(self.part_ids, part_weights)[0]
                yield Visit(kind, country, currency, locale, part_id=part)
            elif kind == "OEM lookup":
                yield Visit(kind, country, currency, locale, search=typed_oem(rng.choice(self.oem_numbers), rng))
            else:
                part = rng.choices(self.part_ids, part_weights)[0]
                yield Visit(kind, country, currency, locale, part_id=part, quantity=rng.choice((1, 1, 2)))


def load_mix(catalog_url: str, seed: int) -> Mix:
    """Parts to visit and OEM numbers to type, sampled from the loaded catalog."""
    engine = make_engine(catalog_url)
    try:
        with engine.connect() as connection:
            total = connection.execute(text("SELECT count(*) FROM part")).scalar_one()
            fraction = min(100.0, 100.0 * 3 * DISTINCT_PARTS / max(total, 1))
            rows = connection.execute(
                text(f"SELECT id, oem_numbers FROM part TABLESAMPLE SYSTEM ({fraction}) REPEATABLE ({seed})")
            ).all()
    finally:
        engine.dispose()
    rows = sorted(rows, key=lambda r: str(r[0]))
    random.Random(seed).shuffle(rows)
    rows = rows[:DISTINCT_PARTS]
    part_ids = [str(relay.GlobalID("Part", str(r[0]))) for r in rows]
    oem = [str((r[1] if isinstance(r[1], list) else json.loads(r[1]))[0]) for r in rows]
    return Mix(build_listings(seed), part_ids, oem, seed)


# --- One visit, as the storefront makes it ------------------------------------------------

Send = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class Tally:
    """What the clients measured in one setting."""

    request_ms: list[float] = field(default_factory=list)
    page_ms: dict[str, list[float]] = field(default_factory=dict)
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def page(self, kind: str, ms: float) -> None:
        self.page_ms.setdefault(kind, []).append(ms)


async def follow_ups(send: Send, visit: Visit, part_ids: list[str]) -> None:
    """What the storefront asks after a page's parts: their landed estimates to the visitor's
    country and, unless they read CNY, their prices in their currency, both at once."""
    if not part_ids:
        return
    ids = {f"id{i}": p for i, p in enumerate(part_ids)}
    calls = [
        send(
            "Estimates",
            queries.landed_estimates(len(part_ids)),
            {"country": visit.country, "currency": visit.currency, **ids},
        )
    ]
    if visit.currency != "CNY":
        calls.append(send("Prices", queries.converted_prices(len(part_ids)), {"currency": visit.currency, **ids}))
    await asyncio.gather(*calls)


def search_variables(visit: Visit, after: str | None) -> dict[str, Any]:
    filters = dict(visit.filter)
    return {
        "search": visit.search,
        "filter": filters,
        "after": after,
        "sort": None,
        "country": visit.country,
        "locale": visit.locale,
        "vehicle": {},
        "withVehicle": False,
        "make": filters.get("make"),
        "model": None,
    }


async def run_visit(send: Send, visit: Visit, tally: Tally) -> None:
    if visit.kind in ("listing", "OEM lookup"):
        after: str | None = None
        for _ in range(visit.depth):
            started = time.perf_counter()
            data = await send(visit.kind, queries.SEARCH, search_variables(visit, after))
            connection = data.get("parts") or {}
            part_ids = [edge["node"]["id"] for edge in connection.get("edges") or []]
            await follow_ups(send, visit, part_ids)
            tally.page(visit.kind, (time.perf_counter() - started) * 1000)
            after = (connection.get("pageInfo") or {}).get("endCursor")
            if not (connection.get("pageInfo") or {}).get("hasNextPage"):
                break
    elif visit.kind == "part page":
        started = time.perf_counter()
        other = "zh" if visit.locale != "zh" else "en"
        variables = {"id": visit.part_id, "country": visit.country, "locale": visit.locale, "otherLocale": other}
        data = await send(visit.kind, queries.PART, variables)
        found = data.get("part")
        await follow_ups(send, visit, [found["id"]] if found else [])
        tally.page(visit.kind, (time.perf_counter() - started) * 1000)
    else:
        started = time.perf_counter()
        lines = [{"partId": visit.part_id, "quantity": visit.quantity}]
        await send(visit.kind, CART_ESTIMATE, {"lines": lines, "country": visit.country, "currency": visit.currency})
        tally.page(visit.kind, (time.perf_counter() - started) * 1000)


def gateway_sender(session: aiohttp.ClientSession, url: str, tally: Tally) -> Send:
    async def send(kind: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        async with session.post(url, json={"query": document, "variables": variables}) as response:
            payload = await response.json(content_type=None)
            status = response.status
        tally.request_ms.append((time.perf_counter() - started) * 1000)
        tally.requests_by_kind[kind] = tally.requests_by_kind.get(kind, 0) + 1
        if status != 200 or payload.get("errors"):
            tally.errors.append(f"{kind}: HTTP {status} {str(payload.get('errors'))[:300]}")
        return payload.get("data") or {}

    return send


# --- The same requests straight to the services -------------------------------------------


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    url: str
    body: bytes
    started: float
    ended: float


_recording: contextvars.ContextVar[list[Call] | None] = contextvars.ContextVar("recording", default=None)


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The gateway's real transport, noting every call of the GraphQL request being recorded."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        body = await request.aread()
        response = await super().handle_async_request(request)
        calls = _recording.get()
        if calls is not None:
            calls.append(Call(self.service, request.method, str(request.url), body, started, time.perf_counter()))
        return response


def waves(calls: list[Call]) -> list[list[Call]]:
    """The calls in the order the gateway made them: a call begun after every call of the wave
    before it had answered waited for them (it needed their answers), so it is in a later wave."""
    out: list[list[Call]] = []
    wave_end = -1.0
    for call in sorted(calls, key=lambda c: c.started):
        if not out or call.started >= wave_end:
            out.append([call])
        else:
            out[-1].append(call)
        wave_end = max(c.ended for c in out[-1]) if call.started >= wave_end else max(wave_end, call.ended)
    return out


@dataclass
class Plan:
    data: dict[str, Any]
    waves: list[list[Call]]


def _key(document: str, variables: dict[str, Any]) -> str:
    return document + json.dumps(variables, sort_keys=True)


class Recorder:
    """Executes GraphQL requests in this process with the gateway's schema and real clients
    (read cache off), keeping per request the calls it made: what `rest` replays."""

    def __init__(self, urls: dict[str, str], gateway_database_url: str) -> None:
        self.settings = GatewaySettings(
            database_url=gateway_database_url,
            catalog_url=urls["catalog"],
            orders_url=urls["orders"],
            certification_url=urls["certification"],
            read_cache_seconds=0,
        )
        self.engine = make_engine(gateway_database_url)
        self.clients = ServiceClients.open(
            self.settings,
            transports={name: RecordingTransport(name) for name in ("catalog", "orders", "certification")},
        )
        self.throttle = LoginThrottle(
            self.settings,
            namespace="login",
            free_failures=3,
            backoff_cap_seconds=300,
            per_address=50,
            window_seconds=900,
        )
        self.plans: dict[str, Plan] = {}
        self.errors: list[str] = []

    async def send(self, kind: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        key = _key(document, variables)
        if key not in self.plans:
            calls: list[Call] = []
            token = _recording.set(calls)
            try:
                context = Context(
                    settings=self.settings,
                    engine=self.engine,
                    clients=self.clients,
                    throttle=self.throttle,
                    principal=None,
                    client_address="bench",
                )
                result = await schema.execute(document, variable_values=variables, context_value=context)
            finally:
                _recording.reset(token)
            if result.errors:
                self.errors.append(f"{kind}: {result.errors[0].message}")
            self.plans[key] = Plan(json.loads(json.dumps(result.data or {}, default=str)), waves(calls))
        return self.plans[key].data

    async def aclose(self) -> None:
        await self.clients.aclose()
        self.engine.dispose()


def rest_sender(session: aiohttp.ClientSession, plans: dict[str, Plan], tally: Tally) -> Send:
    async def call(c: Call) -> None:
        # A fresh short-lived internal token per call, as the gateway makes them.
        headers = internal_headers(ANONYMOUS, DEVELOPMENT_INTERNAL_SECRET)
        if c.body:
            headers["content-type"] = "application/json"
        async with session.request(c.method, c.url, data=c.body or None, headers=headers) as response:
            await response.read()
            if response.status >= 400:
                tally.errors.append(f"{c.service} {c.method} {c.url[:120]}: HTTP {response.status}")

    async def send(kind: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        plan = plans[_key(document, variables)]
        started = time.perf_counter()
        for wave in plan.waves:
            await asyncio.gather(*(call(c) for c in wave))
        tally.request_ms.append((time.perf_counter() - started) * 1000)
        tally.requests_by_kind[kind] = tally.requests_by_kind.get(kind, 0) + 1
        return plan.data

    return send


# --- Load ----------------------------------------------------------------------------------


@dataclass
class Result:
    setting: str
    clients: int
    seconds: float
    tally: Tally
    # CPU seconds each role spent during the level (stack processes, PostgreSQL, this process).
    cpu: dict[str, float] = field(default_factory=dict)
    # The gateway's visitor answers during the level, by outcome (gateway/kept_answers.py).
    answers: dict[str, float] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.tally.request_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q * 100) - 1]


async def run_level(
    setting: str,
    clients: int,
    seconds: float,
    visits: Iterator[Visit],
    make_send: Callable[[Tally], Send],
    stack: Stack | None = None,
) -> Result:
    tally = Tally()
    send = make_send(tally)
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < stop_at:
            await run_visit(send, next(visits), tally)

    before, answered_before = cpu_seconds(stack), await kept_answers(stack)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    after, answered = cpu_seconds(stack), await kept_answers(stack)
    cpu = {name: after[name] - before.get(name, 0.0) for name in after}
    answers = {outcome: n - answered_before.get(outcome, 0.0) for outcome, n in answered.items()}
    return Result(setting, clients, elapsed, tally, cpu, answers)


async def kept_answers(stack: Stack | None) -> dict[str, float]:
    """The gateway's count of visitor answers by outcome (hit, kept, not_kept), from /metrics."""
    if stack is None:
        return {}
    async with httpx.AsyncClient() as client:
        text_format = (await client.get(f"{stack.urls['gateway']}/metrics")).text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text_format)
        for sample in family.samples
        if sample.name == "tongnan_graphql_kept_answers_total"
    }


def cycle_of(visits: list[Visit]) -> Iterator[Visit]:
    while True:
        yield from visits


def first_of_every_kind(mix: Mix) -> list[Visit]:
    found: dict[str, Visit] = {}
    for visit in mix.draws():
        found.setdefault(visit.kind, visit)
        if len(found) == len(KINDS):
            return [found[k] for k in KINDS]
    raise AssertionError("unreachable: the draws never end")


async def check_every_kind(mix: Mix, make_send: Callable[[Tally], Send]) -> Tally:
    """One visit of every kind, before timing: an error stops the benchmark (a mix that fails
    fast would not be a measurement). Returns what they made."""
    tally = Tally()
    send = make_send(tally)
    for visit in first_of_every_kind(mix):
        await run_visit(send, visit, tally)
    if tally.errors:
        raise SystemExit("a visit failed: " + "; ".join(tally.errors[:3]))
    return tally


async def measure_gateway(
    stack: Stack, setting: str, mix: Mix, levels: list[int], seconds: float, profile: str | None = None
) -> list[Result]:
    results = []
    connector = aiohttp.TCPConnector(limit=400)
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"{stack.urls['gateway']}/graphql"
        checked = await check_every_kind(mix, lambda t: gateway_sender(session, url, t))
        results.append(Result(f"{setting} check", 1, 0.0, checked))
        print(
            f"{setting}: one visit of every kind answered without errors"
            f" ({', '.join(f'{k} {n}' for k, n in checked.requests_by_kind.items())} requests)",
            flush=True,
        )
        warm = mix.draws()
        await run_level("warm-up", 2, min(seconds, 3.0), warm, lambda t: gateway_sender(session, url, t))
        for level in levels:
            # Each level starts the same sequence of visits, so settings compare on the same requests.
            result = await run_level(
                setting, level, seconds, mix.draws(), lambda t: gateway_sender(session, url, t), stack
            )
            results.append(result)
            print_result(result, flush=True)
            print_cpu(result)
        if profile:
            # Apart from the measured levels: py-spy takes some of the machine's two cores.
            profilers = start_profilers(stack, profile, setting, seconds)
            draws = mix.draws()
            profiled = await run_level(
                f"{setting} (py-spy)", levels[0], seconds, draws, lambda t: gateway_sender(session, url, t)
            )
            for profiler in profilers:
                profiler.wait()
            print_result(profiled, flush=True)
            print_profiles(profile, setting)
    return results


async def measure_rest(
    stack: Stack, gateway_database_url: str, mix: Mix, levels: list[int], seconds: float, budget: int
) -> tuple[list[Result], int]:
    """Records the first `budget` visits of the sequence (each distinct request once), then
    replays them, over and over, at each level. Returns the results and the requests recorded."""
    recorder = Recorder(stack.urls, gateway_database_url)
    draws = mix.draws()
    visits = first_of_every_kind(mix) + [next(draws) for _ in range(budget)]
    try:
        scratch = Tally()
        for visit in visits:
            await run_visit(recorder.send, visit, scratch)
    finally:
        await recorder.aclose()
    if recorder.errors:
        # A call the gateway gave up on is replayed as it was made: slow, and counted as an error.
        print(f"rest: {len(recorder.errors)} requests failed while recorded: {recorder.errors[0][:200]}", flush=True)
    results = []
    connector = aiohttp.TCPConnector(limit=400)
    async with aiohttp.ClientSession(connector=connector) as session:
        for level in levels:
            result = await run_level(
                "rest", level, seconds, cycle_of(visits), lambda t: rest_sender(session, recorder.plans, t), stack
            )
            result.tally.errors += recorder.errors
            results.append(result)
            print_result(result, flush=True)
            print_cpu(result)
    return results, len(recorder.plans)


# --- Where the time goes -------------------------------------------------------------------

PROFILED = ("gateway", "catalog", "certification", "orders")


def profile_processes(stack: Stack) -> dict[str, int]:
    root = psutil.Process(stack.process.pid)
    found = {role_of(p): p.pid for p in root.children(recursive=True)}
    return {name: found[name] for name in PROFILED if name in found}


def start_profilers(stack: Stack, directory: str, label: str, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on every service process for `seconds`, raw collapsed stacks into `directory`."""
    os.makedirs(directory, exist_ok=True)
    return [
        subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "py-spy"),
                "record", "--pid", str(pid), "--duration", str(int(seconds)),
                "--rate", "50", "--nonblocking", "--gil", "--format", "raw",
                "--output", os.path.join(directory, f"{label}-{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in profile_processes(stack).items()
    ]  # fmt: skip


OUR_CODE = ("gateway/", "services/", "marketplace/")


def summarise_profile(path: str, top: int = 12, ours: bool = False) -> list[tuple[str, float, float]]:
    """The frames of a collapsed py-spy file with the most samples of their own, or (`ours`)
    our own code's frames with the most samples in them or below: (frame, share with callees,
    share alone)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    with open(path) as lines:
        for line in lines:
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            # `function (file:line)`: the line dropped, so a function's call sites count as one.
            frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
            for frame in set(frames[1:]):  # the first is the thread
                inclusive[frame] = inclusive.get(frame, 0) + count
            own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        return []
    if ours:
        ranked = sorted((f for f in inclusive if any(p in f for p in OUR_CODE)), key=lambda f: -inclusive[f])[:top]
    else:
        ranked = sorted(own, key=lambda f: -own[f])[:top]
    return [(frame, inclusive.get(frame, 0) / total, own.get(frame, 0) / total) for frame in ranked]


def print_profiles(directory: str, label: str) -> None:
    for name in PROFILED:
        path = os.path.join(directory, f"{label}-{name}.txt")
        if not os.path.exists(path):
            continue
        print(f"\n{label}, {name}, samples holding the GIL: frames busiest themselves (own %, with callees %)")
        for frame, with_callees, alone in summarise_profile(path):
            print(f"  {alone:6.1%} {with_callees:6.1%}  {frame[:150]}")
        print(f"{label}, {name}: our code's frames with the most samples in them or below")
        for frame, with_callees, alone in summarise_profile(path, top=15, ours=True):
            print(f"  {alone:6.1%} {with_callees:6.1%}  {frame[:150]}")


# --- Memory --------------------------------------------------------------------------------


@dataclass
class Memory:
    name: str
    pid: int
    rss: int
    uss: int | None  # memory only this process holds
    pss: int | None  # its own plus its share of what it shares: these add up to the real total


def cpu_seconds(stack: Stack | None) -> dict[str, float]:
    """CPU time so far (user and system) by role: each process of the stack, every process of
    the PostgreSQL server, and this load generator. Differences over a level say where a
    request's CPU goes, and whether the two cores were the limit."""
    found: dict[str, float] = {}

    def add(name: str, process: psutil.Process) -> None:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return
        found[name] = found.get(name, 0.0) + times.user + times.system

    if stack is not None:
        root = psutil.Process(stack.process.pid)
        for process in root.children(recursive=True):
            add(role_of(process), process)
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("postgres", "postmaster"):
            add("postgres", process)
    add("load generator", psutil.Process())
    return found


def print_cpu(r: Result) -> None:
    """Milliseconds of CPU per request, by role, and how busy the machine's cores were."""
    if not r.cpu or not r.requests:
        return
    ranked = sorted(((seconds, name) for name, seconds in r.cpu.items() if seconds > 0.005), reverse=True)
    parts = ", ".join(f"{name} {1000 * seconds / r.requests:.1f}" for seconds, name in ranked)
    busy = sum(r.cpu.values()) / (r.seconds * (os.cpu_count() or 1))
    print(f"    CPU ms per request: {parts}; cores {100 * busy:.0f}% busy", flush=True)
    if r.answers:
        counts = ", ".join(f"{outcome} {n:.0f}" for outcome, n in sorted(r.answers.items()))
        print(f"    visitor answers at the gateway: {counts}", flush=True)


def _memory(process: psutil.Process, name: str) -> Memory | None:
    try:
        rss = process.memory_info().rss
    except psutil.Error:
        return None
    try:
        full = process.memory_full_info()
        uss, pss = full.uss, getattr(full, "pss", None)
    except psutil.Error:  # another user's process: its RSS only
        uss = pss = None
    return Memory(name, process.pid, rss, uss, pss)


def stack_memory(stack: Stack) -> list[Memory]:
    """Every process `tongnan up` runs (uvicorn's workers included), by role."""
    root = psutil.Process(stack.process.pid)
    out = []
    for process in [root, *root.children(recursive=True)]:
        found = _memory(process, role_of(process))
        if found:
            out.append(found)
    return out


def postgres_memory(admin_url: str, databases: list[str]) -> tuple[list[Memory], list[Memory]]:
    """The backends serving these databases, and every process of the PostgreSQL server (which
    other engineers' databases share: shown apart)."""
    engine = make_engine(admin_url, pool_size=1)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY(:names)"), {"names": databases}
            ).all()
    finally:
        engine.dispose()
    backends = []
    for pid, datname in rows:
        try:
            found = _memory(psutil.Process(pid), f"postgres backends: {datname.removeprefix('bench_traffic_')}")
        except psutil.Error:
            found = None
        if found:
            backends.append(found)
    server = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("postgres", "postmaster"):
            found = _memory(process, "postgres")
            if found:
                server.append(found)
    return backends, server


def _sum(rows: list[Memory], attribute: str) -> int | None:
    values = [getattr(r, attribute) for r in rows]
    return None if any(v is None for v in values) else sum(values)


def print_memory(stack_rows: list[Memory], backends: list[Memory], server: list[Memory], parts: int) -> None:
    mib = 1024 * 1024

    def fmt(value: int | None) -> str:
        return f"{value / mib:9.1f}" if value is not None else "      n/a"

    def line(name: str, pid: str, rows: list[Memory]) -> None:
        rss = sum(r.rss for r in rows)
        print(f"{name:<44} {pid:>7} {fmt(rss)} {fmt(_sum(rows, 'uss'))} {fmt(_sum(rows, 'pss'))}")

    print(f"\nmemory after the runs, {parts:,} parts (MiB; USS: this process's alone; PSS: with its share")
    print("of shared pages, so PSS adds up across processes: the total to read)")
    print(f"{'process':<44} {'pid':>7} {'RSS':>9} {'USS':>9} {'PSS':>9}")
    for row in stack_rows:
        line(row.name, str(row.pid), [row])
    grouped: dict[str, list[Memory]] = {}
    for row in backends:
        grouped.setdefault(row.name, []).append(row)
    for name, rows in sorted(grouped.items()):
        line(f"{name} ({len(rows)})", "", rows)
    line("stack processes, total", "", stack_rows)
    line("stack and its PostgreSQL backends, total", "", stack_rows + backends)
    if server:
        line(f"PostgreSQL server, all ({len(server)} processes)", "", server)


# --- Output ----------------------------------------------------------------------------------


def print_header() -> None:
    print(
        f"{'setting':<16} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
        "   page p50/p95/p99 ms by kind (pages)",
        flush=True,
    )


def print_result(r: Result, flush: bool = False) -> None:
    t = r.tally
    kinds = "  ".join(
        f"{kind}: {percentile(t.page_ms[kind], 0.50):.0f}/{percentile(t.page_ms[kind], 0.95):.0f}"
        f"/{percentile(t.page_ms[kind], 0.99):.0f} ({len(t.page_ms[kind])})"
        for kind in KINDS
        if kind in t.page_ms
    )
    print(
        f"{r.setting:<16} {r.clients:>7} {r.rps:>8.1f} {percentile(t.request_ms, 0.50):>8.1f} "
        f"{percentile(t.request_ms, 0.95):>8.1f} {percentile(t.request_ms, 0.99):>8.1f} {len(t.errors):>6}   {kinds}",
        flush=flush,
    )
    for error in t.errors[:3]:
        print(f"    error: {error}", flush=flush)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- Main ----------------------------------------------------------------------------------


@dataclass
class Report:
    results: list[Result]
    memory: list[Memory]
    backends: list[Memory]
    server: list[Memory]


def start(databases: traffic_data.Databases, cache_seconds: float | None, workers: int) -> Stack:
    """`tongnan up` on free ports on these databases, demo data off (as bench/gateway.py starts it)."""
    cache = {} if cache_seconds is None else {"TONGNAN_GATEWAY_READ_CACHE_SECONDS": str(cache_seconds)}
    env, ports = isolated_environment(
        tempfile.mkdtemp(prefix="tongnan-traffic-"),
        TONGNAN_GATEWAY_WORKERS=str(workers),
        TONGNAN_CATALOG_DATABASE_URL=databases.catalog,
        TONGNAN_CERTIFICATION_DATABASE_URL=databases.certification,
        TONGNAN_ORDERS_DATABASE_URL=databases.orders,
        TONGNAN_GATEWAY_DATABASE_URL=databases.gateway,
        # The load comes from one address; the limits are not what is measured here.
        TONGNAN_GATEWAY_RATE_PER_MINUTE_PER_ADDRESS="100000000",
        TONGNAN_GATEWAY_RATE_BURST_PER_ADDRESS="100000000",
        **cache,
    )
    # `tongnan up` decides every part's markets again before it starts the services: minutes
    # at a million parts.
    return launch(env, ports, demo=False, timeout=1800)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="per setting and number of clients")
    parser.add_argument("--clients", default="8,32", help="numbers of concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="gateway processes")
    parser.add_argument("--settings", default="cache-on,cache-off,rest", help="which to run, in this order")
    parser.add_argument("--rest-visits", type=int, default=100, help="visits recorded for `rest` and replayed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--profile", metavar="DIR", help="after each setting's levels, py-spy every service for one more level"
    )
    parser.add_argument("--keep", action="store_true", help="keep the loaded catalog for the next run")
    parser.add_argument("--cleanup", action="store_true", help="drop every database of this size afterwards")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    chosen = args.settings.split(",")
    unknown = set(chosen) - {"cache-on", "cache-off", "rest"}
    if args.parts < 50 or unknown:
        parser.error(f"--parts must be at least 50; unknown --settings {sorted(unknown)}" if unknown else "--parts")
    admin_url = normalise_database_url(args.postgres_url, field="--postgres-url")

    databases = traffic_data.prepare(admin_url, args.parts, keep=args.keep)
    mix = load_mix(databases.catalog, args.seed)
    names = [make_url(u).database or "" for u in (databases.catalog, databases.certification, databases.orders)]
    names.append(make_url(databases.gateway).database or "")
    print(
        f"\n{args.parts:,} parts on PostgreSQL; {len(mix.listings):,} distinct listings and {len(mix.part_ids):,} parts"
        f" drawn with Zipf s={ZIPF_S}; visits {', '.join(f'{k} {s:.0%}' for k, s in zip(KINDS, SHARES, strict=True))};"
        f" {args.seconds:g} s per level; gateway workers: {args.workers}; {os.cpu_count()} cores",
        flush=True,
    )
    results: list[Result] = []
    memory: list[Memory] = []
    backends: list[Memory] = []
    server: list[Memory] = []
    try:
        gateway_settings = [s for s in chosen if s != "rest"] or ["cache-on"]
        for n, setting in enumerate(gateway_settings):
            started = time.perf_counter()
            stack = start(databases, None if setting == "cache-on" else 0, args.workers)
            print(f"\nstack up in {time.perf_counter() - started:.0f} s; {setting}; {load_average()}", flush=True)
            try:
                print_header()
                if setting in chosen:
                    results += asyncio.run(measure_gateway(stack, setting, mix, levels, args.seconds, args.profile))
                if n == 0:  # before the REST replay, which leaves the gateway idle
                    memory = stack_memory(stack)
                    backends, server = postgres_memory(admin_url, names)
                    print_memory(memory, backends, server, args.parts)
                if n == 0 and "rest" in chosen:  # the services do not depend on the gateway's setting
                    rest, recorded = asyncio.run(
                        measure_rest(stack, databases.gateway, mix, levels, args.seconds, args.rest_visits)
                    )
                    print(f"(rest: the first {args.rest_visits} visits, {recorded} distinct requests, replayed)")
                    results += rest
                print(load_average(), flush=True)
            finally:
                stack.stop()
    finally:
        if args.cleanup:
            traffic_data.drop(admin_url, names)
    return Report(results, memory, backends, server)


if __name__ == "__main__":
    main()
    sys.exit(0)
