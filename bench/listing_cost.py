"""What one storefront listing costs each process of the stack, in CPU milliseconds.

    uv run python -m bench.listing_cost                      # full size: 400 listings per mode
    uv run python -m bench.listing_cost --listings 20 --concurrency 2

Starts `tongnan up` (SQLite, demo data) with the gateway's read cache off, sends the listing
query of bench/gateway.py through the gateway (`graphql`) and its REST calls straight to the
services (`rest`), and reads each process's CPU time (user + system, psutil) before and after.
CPU time per listing is what a process's share costs whatever else the machine is doing, so
two versions of a service can be compared on a busy machine where requests per second
cannot; requests per second are printed beside it, for what they are worth on that machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import psutil

from bench.gateway import Rest, Stack, post_listing, start_stack

# The processes a listing passes through, by what their command line runs.
PROCESSES = {
    "gateway": "gateway.app",
    "catalog": "services.catalog.app",
    "certification": "services.certification.app",
    "orders": "services.orders.app",
}


@dataclass
class Cost:
    mode: str
    listings: int
    seconds: float
    cpu_ms: dict[str, float]  # per listing, by process

    @property
    def rps(self) -> float:
        return self.listings / self.seconds


def stack_processes(stack: Stack) -> dict[str, psutil.Process]:
    found: dict[str, psutil.Process] = {}
    for child in psutil.Process(stack.process.pid).children(recursive=True):
        command = " ".join(child.cmdline())
        for name, module in PROCESSES.items():
            if f"{module}:create_app" in command:
                found[name] = child
    missing = set(PROCESSES) - set(found)
    if missing:
        raise SystemExit(f"no process found for {sorted(missing)}")
    return found


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def run(stack: Stack, listings: int, concurrency: int) -> list[Cost]:
    processes = stack_processes(stack)
    costs: list[Cost] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        rest = Rest(session, stack.urls)

        async def graphql_once() -> None:
            await post_listing(session, stack.urls["gateway"])

        async def rest_once() -> None:
            await rest.listing()

        for mode, once in (("graphql", graphql_once), ("rest", rest_once)):
            for _ in range(5):
                await once()  # warm pools and caches
            remaining = listings

            async def worker(once: Callable[[], Awaitable[None]] = once) -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    await once()

            before = {name: cpu_seconds(p) for name, p in processes.items()}
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            seconds = time.perf_counter() - started
            after = {name: cpu_seconds(p) for name, p in processes.items()}
            cpu_ms = {name: (after[name] - before[name]) * 1000 / listings for name in processes}
            costs.append(Cost(mode, listings, seconds, cpu_ms))
    return costs


def print_table(costs: list[Cost], concurrency: int) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{concurrency} clients; SQLite demo data; read cache off; load average {load}")
    names = list(PROCESSES)
    print(
        f"{'mode':<8} {'listings':>8} {'req/s':>7} "
        + " ".join(f"{n + ' ms':>16}" for n in names)
        + f" {'services ms':>12}"
    )
    for c in costs:
        services = sum(v for k, v in c.cpu_ms.items() if k != "gateway")
        cells = " ".join(f"{c.cpu_ms[n]:>16.2f}" for n in names)
        print(f"{c.mode:<8} {c.listings:>8} {c.rps:>7.1f} {cells} {services:>12.2f}")


def main(argv: list[str] | None = None) -> list[Cost]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=400, help="per mode")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    stack = start_stack(workers=1, read_cache_seconds=0)
    try:
        costs = asyncio.run(run(stack, args.listings, args.concurrency))
    finally:
        stack.stop()
    print_table(costs, args.concurrency)
    return costs


if __name__ == "__main__":
    main()
