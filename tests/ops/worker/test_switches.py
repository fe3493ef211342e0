"""TONGNAN_WORKER_RELAYS, _CONSUMERS and _JOBS: a worker process that runs only some of the three."""

from __future__ import annotations

import asyncio

import pytest

from ops.worker.main import configured_worker
from ops.worker.reactions import reactions
from ops.worker.settings import WorkerSettings
from tests.databases import Databases
from tests.ops.worker.helpers import worker_context


def test_the_switches_are_on_by_default_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (WorkerSettings().relays, WorkerSettings().consumers, WorkerSettings().jobs) == (True, True, True)
    monkeypatch.setenv("TONGNAN_WORKER_RELAYS", "false")
    monkeypatch.setenv("TONGNAN_WORKER_CONSUMERS", "0")
    monkeypatch.setenv("TONGNAN_WORKER_JOBS", "no")
    assert (WorkerSettings().relays, WorkerSettings().consumers, WorkerSettings().jobs) == (False, False, False)


def test_a_bad_switch_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGNAN_WORKER_JOBS", "sometimes")
    with pytest.raises(ValueError, match="jobs"):
        WorkerSettings()


@pytest.mark.parametrize(
    ("switches", "runs_relays"),
    [
        ({"TONGNAN_WORKER_CONSUMERS": "false", "TONGNAN_WORKER_JOBS": "false"}, True),
        ({"TONGNAN_WORKER_RELAYS": "false", "TONGNAN_WORKER_JOBS": "false"}, False),
    ],
    ids=["relay-only", "consumer-only"],
)
def test_a_relay_only_or_consumer_only_worker_runs_only_that(
    switches: dict[str, str],
    runs_relays: bool,
    databases: Databases,
    nats_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in switches.items():
        monkeypatch.setenv(name, value)
    context = worker_context(databases, nats_url)
    # A relay per service database, or one consumer per reaction, and never the clock.
    expected = (3, 0, False) if runs_relays else (0, len(reactions(context)), False)

    async def scenario() -> tuple[int, int, bool]:
        worker = configured_worker(context)
        await worker.start()
        try:
            return len(worker.relays), len(worker.runners), worker.clock is not None
        finally:
            await worker.stop()

    try:
        assert asyncio.run(scenario()) == expected
    finally:
        context.close()


def test_jobs_are_registered_only_when_switched_on(databases: Databases, nats_url: str) -> None:
    on = worker_context(databases, nats_url)
    off = worker_context(databases, nats_url, jobs=False)
    try:
        # None: the worker registers every scheduled job when it starts; []: none.
        assert configured_worker(on).job_list is None
        assert configured_worker(off).job_list == []
    finally:
        on.close()
        off.close()
