"""Prefetching into a DataLoader: one batch call, then every field finds its key ready."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence

import pytest
from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned

from gateway.loaders import fetch_into


def test_one_call_for_the_keys_the_loader_does_not_have() -> None:
    calls: list[list[str]] = []

    async def batch(keys: Sequence[str]) -> list[str]:
        calls.append(list(keys))
        return [key.upper() for key in keys]

    async def run() -> list[str]:
        loader = DataLoader(batch)
        loader.prime("a", "primed")
        await fetch_into(loader, ["a", "b", "c", "b"])
        await fetch_into(loader, ["b", "c"])
        pending = [loader.load(key) for key in ("a", "b", "c")]
        assert all(isinstance(p, asyncio.Future) and p.done() for p in pending)
        return list(await asyncio.gather(*pending))

    assert asyncio.run(run()) == ["primed", "B", "C"]
    assert calls == [["b", "c"]]


def test_a_failed_call_fails_each_key_that_is_asked_for_and_only_then(caplog: pytest.LogCaptureFixture) -> None:
    async def batch(keys: Sequence[str]) -> list[str]:
        raise ConnectionError("the service is down")

    async def run() -> None:
        loader = DataLoader(batch)
        await fetch_into(loader, ["a", "b"])
        with pytest.raises(ConnectionError, match="down"):
            await loader.load("a")
        # "b" is never asked for: its failure must not be reported as an unretrieved exception

    asyncio.run(run())
    gc.collect()
    assert "never retrieved" not in caplog.text


def test_a_batch_that_answers_the_wrong_number_of_values_fails_its_keys() -> None:
    async def batch(keys: Sequence[str]) -> list[str]:
        return ["only one"]

    async def run() -> None:
        loader = DataLoader(batch)
        await fetch_into(loader, ["a", "b"])
        with pytest.raises(WrongNumberOfResultsReturned, match="expected: 2, received: 1"):
            await loader.load("b")

    asyncio.run(run())
