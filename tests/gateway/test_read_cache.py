"""The gateway's short-lived cache of browsing reads: fresh for its time, per caller, one
upstream call for concurrent misses, nothing kept from a failure, cleared by a write; a search
page's parts kept one by one for the requests that follow it."""

from __future__ import annotations

import asyncio

from strawberry import relay

from gateway.clients import ReadCache
from marketplace.roles import Role
from services.common.errors import UpstreamUnavailable
from tests.catalog.factories import valid_uscc
from tests.factories import headers_for
from tests.gateway.factories import LISTING, REGISTER_SUPPLIER, Stack, data_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.release = asyncio.Event()
        self.release.set()

    async def fetch(self) -> dict[str, int]:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise UpstreamUnavailable("the catalog service is unavailable")
        return {"answer": self.calls}


async def test_an_answer_is_kept_for_its_time_then_asked_again() -> None:
    clock, upstream = Clock(), Upstream()
    cache = ReadCache(2.0, clock=clock)
    assert await cache.get("k", upstream.fetch) == {"answer": 1}
    clock.now += 1.9
    assert await cache.get("k", upstream.fetch) == {"answer": 1}
    clock.now += 0.2
    assert await cache.get("k", upstream.fetch) == {"answer": 2}
    assert await cache.get("other", upstream.fetch) == {"answer": 3}


async def test_concurrent_misses_share_one_call_and_its_failure_is_not_kept() -> None:
    upstream = Upstream()
    cache = ReadCache(2.0)
    upstream.release.clear()
    upstream.fail = True
    waiting = [asyncio.create_task(cache.get("k", upstream.fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    upstream.release.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert upstream.calls == 1
    assert all(isinstance(o, UpstreamUnavailable) for o in outcomes)
    upstream.fail = False
    assert await cache.get("k", upstream.fetch) == {"answer": 2}


async def test_zero_seconds_keeps_nothing_and_clear_forgets_everything() -> None:
    upstream = Upstream()
    off = ReadCache(0)
    await off.get("k", upstream.fetch)
    await off.get("k", upstream.fetch)
    assert upstream.calls == 2
    on = ReadCache(60)
    await on.get("k", upstream.fetch)
    on.clear()
    assert await on.get("k", upstream.fetch) == {"answer": 4}


async def test_the_oldest_answers_go_first_when_full() -> None:
    upstream = Upstream()
    cache = ReadCache(60, max_entries=2)
    for key in ("a", "b", "c"):
        await cache.get(key, upstream.fetch)
    await cache.get("c", upstream.fetch)
    await cache.get("a", upstream.fetch)
    assert upstream.calls == 4


def test_a_listing_asked_again_is_answered_without_the_services(stack: Stack) -> None:
    first = data_of(stack.gql(LISTING, {"first": 20}))
    stack.reset_counts()
    assert data_of(stack.gql(LISTING, {"first": 20})) == first
    assert stack.calls("catalog") == [] and stack.calls("certification") == []


def test_a_change_through_the_gateway_shows_at_once(stack: Stack) -> None:
    query = '{ parts(search: "alternator", first: 5) { edges { node { sku } } } }'
    data_of(stack.gql(query))
    # Registering a supplier writes to the catalog through this gateway: its reads start afresh.
    data_of(stack.gql(REGISTER_SUPPLIER, {"email": "cache@example.com", "uscc": valid_uscc(), "en": "Cache Test Co"}))
    stack.reset_counts()
    data_of(stack.gql(query))
    assert stack.calls("catalog") == ["GET /parts/search"]


def test_callers_never_share_answers(stack: Stack) -> None:
    query = "{ parts(first: 5) { edges { node { sku } } } }"
    data_of(stack.gql(query))
    token = data_of(
        stack.gql(
            'mutation { register(input: {email: "buyer-cache@example.com", password: "a long passphrase",'
            " role: BUYER}) { token } }"
        )
    )["register"]["token"]
    stack.reset_counts()
    data_of(stack.gql(query, token=token))
    assert stack.calls("catalog") == ["GET /parts/search"]


def test_a_supplier_always_reads_afresh(stack: Stack) -> None:
    """What a supplier reads it may just have changed, perhaps through another gateway process."""
    registered = stack.gql(REGISTER_SUPPLIER, {"email": "fresh@example.com", "uscc": valid_uscc(), "en": "Fresh Co"})
    token = data_of(registered)["register"]["token"]
    query = "{ parts(first: 5) { edges { node { id sku supplier { nameEn } } } } }"
    edges = data_of(stack.gql(query, token=token))["parts"]["edges"]
    stack.reset_counts()
    data_of(stack.gql(query, token=token))
    assert sorted(stack.calls("catalog")) == ["GET /parts/search", "GET /suppliers/batch"]
    stack.reset_counts()
    data_of(stack.gql(_by_node(2), {"id0": edges[0]["node"]["id"], "id1": edges[1]["node"]["id"]}, token=token))
    assert stack.calls("catalog") == ["GET /parts"]


async def test_expired_answers_are_dropped_as_new_ones_come() -> None:
    clock, upstream = Clock(), Upstream()
    cache = ReadCache(2.0, clock=clock)
    for key in ("a", "b"):
        await cache.get(key, upstream.fetch)
    clock.now += 3
    await cache.get("c", upstream.fetch)
    assert len(cache) == 1


async def test_an_answer_fetched_across_a_clear_is_not_kept() -> None:
    cache = ReadCache(60)
    before = cache.generation
    cache.clear()  # a change, while the answer was on its way
    cache.put("k", {"answer": 1}, before)
    assert cache.peek("k") is None
    cache.put("k", {"answer": 2}, cache.generation)
    assert cache.peek("k") == {"answer": 2}


def _by_node(count: int) -> str:
    """Parts by id, each by its own `node` field, as the storefront's follow-ups ask for a page's."""
    variables = ", ".join(f"$id{i}: ID!" for i in range(count))
    fields = " ".join(f"p{i}: node(id: $id{i}) {{ ... on Part {{ id sku available }} }}" for i in range(count))
    return f"query ({variables}) {{ {fields} }}"


def test_a_pages_parts_are_kept_one_by_one_for_the_requests_that_follow(stack: Stack) -> None:
    """A listing's estimates and prices ask for the parts the page showed: the page's own copies
    answer them, and a part not on it is asked for alone, then kept."""
    edges = data_of(stack.gql(LISTING, {"first": 4}))["parts"]["edges"]
    shown = [{k: edge["node"][k] for k in ("id", "sku", "available")} for edge in edges]
    stack.reset_counts()
    follow_up = data_of(stack.gql(_by_node(4), {f"id{i}": part["id"] for i, part in enumerate(shown)}))
    assert [follow_up[f"p{i}"] for i in range(4)] == shown
    assert stack.calls("catalog") == []

    # A part the gateway has not read yet (read straight from the catalog).
    listed = stack.catalog.get("/parts/search", params={"first": 10}, headers=headers_for(Role.ANONYMOUS)).json()
    ids_shown = {p["id"] for p in shown}
    unseen = next(e["node"] for e in listed["edges"] if str(relay.GlobalID("Part", e["node"]["id"])) not in ids_shown)
    unseen_id = str(relay.GlobalID("Part", unseen["id"]))
    both = {"id0": shown[0]["id"], "id1": unseen_id}
    assert data_of(stack.gql(_by_node(2), both))["p1"]["sku"] == unseen["sku"]
    assert stack.calls("catalog") == ["GET /parts"]
    assert stack.transports["catalog"].queries == [f"ids={unseen['id']}"]
    stack.reset_counts()
    assert data_of(stack.gql(_by_node(2), both))["p1"]["sku"] == unseen["sku"]
    assert stack.calls("catalog") == []
