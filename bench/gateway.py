"""Gateway benchmark: the storefront's listing query against the whole stack on localhost.

    uv run python -m bench.gateway                       # full size: 1, 8 and 32 clients, 10 s each
    uv run python -m bench.gateway --seconds 2 --concurrency 1,4 --workers 1

Starts `tongnan up` (SQLite, demo data) on free ports, then for each concurrency prints
requests per second and p50/p95/p99 of:

- graphql: the listing query (20 parts with supplier, certificates, eligibility for DE and
  price in EUR) through the gateway over HTTP;
- rest: the same data fetched from the services' REST endpoints directly (search, then the
  four batch calls at once), the floor any gateway adds to;
- in-memory: the same query executed by the same schema in this process on the data the
  services returned, without HTTP (the GraphQL layer's own ceiling);
- plain: a response of the same shape from a schema of plain attributes, no resolvers, on
  strawberry's own executor (bench/plain_schema.py): what strawberry and graphql-core alone
  need on this machine, the yardstick for the other three;

and the ratios graphql/in-memory and graphql/rest. With `--workers 2` the gateway runs one
process per core; `--read-cache-seconds 0` turns off its cache of browsing reads, so that every
request reaches the services. Numbers depend on the machine; the README records ours.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx

from bench.plain_schema import PLAIN_LISTING, plain_schema
from gateway.clients import ServiceClients, Upstream
from gateway.context import Context
from gateway.identity.throttle import LoginThrottle
from gateway.schema import schema
from gateway.settings import GatewaySettings
from marketplace.actors import ANONYMOUS, internal_headers
from services.common.app import settle_heap
from services.common.db import make_engine
from services.common.settings import DEVELOPMENT_INTERNAL_SECRET
from tests.harness import isolated_environment, read_until_ready

LISTING = """
query Listing {
  parts(first: 20) {
    edges { cursor node {
      id sku title category available
      price(currency: "EUR") { amount currency formatted }
      supplier { id nameEn verified }
      certificates { id scheme status validUntil }
      eligibility(country: "DE") { eligible missingSchemes }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass
class Stack:
    process: subprocess.Popen[str]
    urls: dict[str, str]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def start_stack(workers: int, read_cache_seconds: float | None = None) -> Stack:
    cache = {} if read_cache_seconds is None else {"TONGNAN_GATEWAY_READ_CACHE_SECONDS": str(read_cache_seconds)}
    env, ports = isolated_environment(
        tempfile.mkdtemp(prefix="tongnan-bench-"),
        TONGNAN_GATEWAY_WORKERS=str(workers),
        # The load comes from one address; the limits are not what is measured here.
        TONGNAN_GATEWAY_RATE_PER_MINUTE_PER_ADDRESS="100000000",
        TONGNAN_GATEWAY_RATE_BURST_PER_ADDRESS="100000000",
        TONGNAN_CERTIFICATION_VERIFY_RATE_PER_MINUTE="100000000",
        **cache,
    )
    return launch(env, ports)


def launch(env: dict[str, str], ports: dict[str, int], *, demo: bool = True, timeout: float = 180.0) -> Stack:
    """`tongnan up` in `env` (from isolated_environment, with its `ports`), once it says it is
    ready; `demo=False` loads no demo data into empty databases."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ops.cli", "up", *([] if demo else ["--no-demo"])],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready, lines = read_until_ready(process, timeout=timeout)
    if not ready:
        process.send_signal(signal.SIGTERM)
        raise SystemExit("tongnan up failed:\n" + "".join(lines[-40:]))
    # Keep draining the log so the children never block on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
    urls = {
        variable.removeprefix("TONGNAN_").removesuffix("_PORT").lower(): f"http://127.0.0.1:{port}"
        for variable, port in ports.items()
    }
    return Stack(process, urls)


@dataclass
class Result:
    mode: str
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(mode: str, concurrency: int, seconds: float, once: Callable[[], Awaitable[None]]) -> Result:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            await once()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(mode, concurrency, len(latencies), time.perf_counter() - started, latencies)


class Rest:
    """The listing's data straight from the services, as an integrator without the gateway would."""

    def __init__(self, session: aiohttp.ClientSession, urls: dict[str, str]) -> None:
        self.session = session
        self.urls = urls

    async def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        # A fresh short-lived token per call, as the gateway does.
        headers = internal_headers(ANONYMOUS, DEVELOPMENT_INTERNAL_SECRET)
        async with self.session.request(method, url, headers=headers, **kwargs) as response:
            response.raise_for_status()
            return await response.json()

    async def listing(self) -> dict[str, Any]:
        page = await self._json("GET", f"{self.urls['catalog']}/parts/search", params={"first": "20"})
        parts = [edge["node"] for edge in page["edges"]]
        refs = [
            {
                "part_id": p["id"],
                "supplier_id": p["supplier_id"],
                "category": p["category"],
                "oem_numbers": p["oem_numbers"],
            }
            for p in parts
        ]
        supplier_ids = ",".join(dict.fromkeys(p["supplier_id"] for p in parts))
        suppliers, eligibility, applicable, prices = await asyncio.gather(
            self._json("GET", f"{self.urls['catalog']}/suppliers/batch", params={"ids": supplier_ids}),
            self._json("POST", f"{self.urls['certification']}/eligibility", json={"country": "DE", "parts": refs}),
            self._json("POST", f"{self.urls['certification']}/certificates/applicable", json={"parts": refs}),
            self._json(
                "POST",
                f"{self.urls['orders']}/fx/conversions",
                json={"items": [{"amount_cny": p["price_cny"], "currency": "EUR"} for p in parts]},
            ),
        )
        return {
            "/parts/search": page,
            "/suppliers/batch": suppliers,
            "/eligibility": eligibility,
            "/certificates/applicable": applicable,
            "/fx/conversions": prices,
        }


class Canned(Upstream):
    """An upstream that answers from memory, for the in-process ceiling."""

    def __init__(self, name: str, answers: dict[str, Any]) -> None:
        super().__init__(name, "http://in-memory", timeout=1.0)
        self.answers = answers

    async def request(self, method: Any, path: str, **_: Any) -> httpx.Response:
        return httpx.Response(200, json=self.answers[path])

    async def read_json(self, path: str, **_: Any) -> Any:
        return self.answers[path]


def in_memory_context(answers: dict[str, Any]) -> Callable[[], Context]:
    settings = GatewaySettings(database_url="sqlite://")
    engine = make_engine("sqlite://")
    clients = ServiceClients(
        catalog=Canned("catalog", answers),
        orders=Canned("orders", answers),
        certification=Canned("certification", answers),
    )
    throttle = LoginThrottle(
        settings, namespace="login", free_failures=3, backoff_cap_seconds=300, per_address=50, window_seconds=900
    )

    def build() -> Context:
        return Context(
            settings=settings, engine=engine, clients=clients, throttle=throttle, principal=None, client_address="bench"
        )

    return build


def print_table(results: list[Result]) -> None:
    by_key = {(r.mode, r.concurrency): r for r in results}
    print(f"{'mode':<10} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'vs in-memory':>13}")
    for r in results:
        ceiling = by_key.get(("in-memory", r.concurrency))
        ratio = f"{r.rps / ceiling.rps:.2f}" if ceiling and r.mode not in ("in-memory", "plain") else ""
        print(
            f"{r.mode:<10} {r.concurrency:>7} {r.rps:>9.1f} {r.percentile(0.50):>8.1f} "
            f"{r.percentile(0.95):>8.1f} {r.percentile(0.99):>8.1f} {ratio:>13}"
        )
    for c in sorted({r.concurrency for r in results}):
        graphql, rest = by_key.get(("graphql", c)), by_key.get(("rest", c))
        if graphql and rest:
            print(f"graphql/rest at {c} clients: {graphql.rps / rest.rps:.2f}")


async def post_listing(session: aiohttp.ClientSession, gateway_url: str) -> None:
    """The listing query through the gateway; an answer with errors fails the run."""
    async with session.post(f"{gateway_url}/graphql", json={"query": LISTING}) as response:
        payload = await response.json()
        if "errors" in payload:
            raise RuntimeError(payload["errors"])


async def bench(stack: Stack, seconds: float, levels: list[int]) -> list[Result]:
    results: list[Result] = []
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as session:
        rest = Rest(session, stack.urls)
        answers = await rest.listing()

        async def graphql_once() -> None:
            await post_listing(session, stack.urls["gateway"])

        async def rest_once() -> None:
            await rest.listing()

        context = in_memory_context(answers)

        async def memory_once() -> None:
            result = await schema.execute(LISTING, context_value=context())
            if result.errors:
                raise RuntimeError(result.errors)

        plain = plain_schema(answers)

        async def plain_once() -> None:
            result = await plain.execute(PLAIN_LISTING)
            if result.errors:
                raise RuntimeError(result.errors)

        for once in (graphql_once, rest_once, memory_once, plain_once):
            await once()  # warm caches and pools
        settle_heap(GatewaySettings(database_url="sqlite://"))  # as the gateway's process does once started
        for level in levels:
            results.append(await run_load("graphql", level, seconds, graphql_once))
            results.append(await run_load("rest", level, seconds, rest_once))
            results.append(await run_load("in-memory", level, seconds, memory_once))
            results.append(await run_load("plain", level, seconds, plain_once))
    return results


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="per mode and concurrency")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=1, help="gateway processes")
    parser.add_argument(
        "--read-cache-seconds", type=float, default=None, help="the gateway's read cache (0: every request asks)"
    )
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",")]
    stack = start_stack(args.workers, args.read_cache_seconds)
    try:
        results = asyncio.run(bench(stack, args.seconds, levels))
    finally:
        stack.stop()
    cache = "default" if args.read_cache_seconds is None else f"{args.read_cache_seconds:g} s"
    print(f"gateway workers: {args.workers}; read cache: {cache}; {os.cpu_count()} cores; SQLite; listing of 20 parts")
    print_table(results)
    return results


if __name__ == "__main__":
    main()
