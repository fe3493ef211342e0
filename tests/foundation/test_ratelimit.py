"""Rate limits as a caller meets them: a burst, then a wait that the window names; kept in the
process by default, and shared through Redis by every process that names the same Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.identity.throttle import LoginThrottle
from ops.stack import uvicorn_command
from services.common.errors import RateLimited
from services.common.ratelimit import RateLimit
from services.common.settings import StackSettings
from tests.databases import Databases
from tests.harness import free_port, wait_for_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    """CI has Redis, as production with several replicas does: there it may not be skipped."""
    if os.environ.get("CI") == "true":
        return True
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def settings(**values: str) -> StackSettings:
    return StackSettings.model_validate(values)


async def test_a_burst_then_a_wait_the_window_names_and_each_caller_has_its_own() -> None:
    limit = RateLimit(settings(), namespace=f"t-{uuid.uuid4().hex}", per_minute=120, burst=2)  # 2 per second
    assert await limit.take("a") == 0.0 and await limit.take("a") == 0.0
    wait = await limit.take("a")
    assert 0 < wait <= 1.0
    assert await limit.take("b") == 0.0
    await asyncio.sleep(wait + 0.05)
    assert await limit.take("a") == 0.0


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis at 127.0.0.1:6379 (CI has it)")
async def test_two_limiters_on_one_redis_count_one_window() -> None:
    shared = settings(redis_url=REDIS_URL, redis_key_prefix=f"test-{uuid.uuid4().hex}")
    first, second = (RateLimit(shared, namespace="gateway-address", per_minute=60, burst=10) for _ in range(2))
    allowed = [await (first if i % 2 else second).take("10.0.0.7") == 0.0 for i in range(40)]
    assert sum(allowed) == 10


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis at 127.0.0.1:6379 (CI has it)")
async def test_login_failures_on_one_redis_are_seen_by_every_gateway() -> None:
    """A guesser gains nothing by spreading attempts over replicas: the other replica refuses."""
    shared = settings(redis_url=REDIS_URL, redis_key_prefix=f"test-{uuid.uuid4().hex}")
    first, second = (
        LoginThrottle(
            shared, namespace="login", free_failures=3, backoff_cap_seconds=300, per_address=50, window_seconds=900
        )
        for _ in range(2)
    )
    for guard in (first, second, first):
        await guard.check("anna@werkstatt-hamburg.de", "203.0.113.66")
        await guard.failed("anna@werkstatt-hamburg.de", "203.0.113.66")
    with pytest.raises(RateLimited):
        await second.check("anna@werkstatt-hamburg.de", "203.0.113.66")
    await second.succeeded("anna@werkstatt-hamburg.de", "203.0.113.66")
    await first.check("anna@werkstatt-hamburg.de", "203.0.113.66")


@pytest.fixture
def two_gateways(databases: Databases, tmp_path: Path) -> Iterator[list[str]]:
    """Two gateway processes on one Redis, as two replicas behind a load balancer."""
    env = {
        "PATH": "/usr/bin:/bin",
        "TONGNAN_ENVIRONMENT": "development",
        "TONGNAN_VAR_DIR": str(tmp_path),
        "TONGNAN_GATEWAY_DATABASE_URL": databases.migrated("gateway"),
        "TONGNAN_REDIS_URL": REDIS_URL,
        "TONGNAN_REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        # 50 requests in any 25 seconds per address.
        "TONGNAN_GATEWAY_RATE_PER_MINUTE_PER_ADDRESS": "120",
        "TONGNAN_GATEWAY_RATE_BURST_PER_ADDRESS": "50",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            uvicorn_command("gateway.app:create_app", "127.0.0.1", port, quiet=True),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for_port(port, timeout=60)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis at 127.0.0.1:6379 (CI has it)")
def test_two_gateway_processes_on_one_redis_grant_one_address_the_limit_of_one(two_gateways: list[str]) -> None:
    statuses = []
    with httpx.Client(timeout=10) as client:
        for i in range(200):
            response = client.post(f"{two_gateways[i % 2]}/graphql", json={"query": "{ __typename }"})
            statuses.append(response.status_code)
    assert statuses.count(200) == 50, statuses
    assert set(statuses) == {200, 429}
