"""Whole answers to visitors' queries: the same query is executed once while the reads it was
made from are kept, never for a signed-in caller, never from a read asked afresh, never with
errors, and never past the first of its reads to expire or a change that clears them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.kept_answers import KeptAnswers
from gateway.settings import GatewaySettings
from tests.catalog.factories import valid_uscc
from tests.databases import Databases
from tests.gateway.factories import LISTING, REGISTER_SUPPLIER, GraphQL, Stack, closed_port, data_of, metric

SEARCH = '{ parts(search: "alternator", first: 5) { edges { node { id sku price { amount currency } } } } }'


def kept(gql: GraphQL, outcome: str) -> float:
    return metric(gql.client, "tongnan_graphql_kept_answers_total", outcome=outcome)


def test_a_visitors_query_asked_again_is_answered_without_executing_it(stack: Stack) -> None:
    first = data_of(stack.gql(LISTING, {"first": 20}))
    hits = kept(stack.gql, "hit")
    stack.reset_counts()
    assert data_of(stack.gql(LISTING, {"first": 20})) == first
    assert kept(stack.gql, "hit") == hits + 1
    assert stack.calls("catalog") == [] and stack.calls("certification") == []
    # Other variables are another answer.
    data_of(stack.gql(LISTING, {"first": 5}))
    assert kept(stack.gql, "hit") == hits + 1


def test_a_signed_in_callers_answers_are_never_kept(stack: Stack) -> None:
    token = data_of(
        stack.gql(
            'mutation { register(input: {email: "kept@example.com", password: "a long passphrase",'
            " role: BUYER}) { token } }"
        )
    )["register"]["token"]
    hits, kept_before = kept(stack.gql, "hit"), kept(stack.gql, "kept")
    data_of(stack.gql(SEARCH, token=token))
    data_of(stack.gql(SEARCH, token=token))
    assert (kept(stack.gql, "hit"), kept(stack.gql, "kept")) == (hits, kept_before)


def test_an_answer_with_a_read_asked_afresh_is_not_kept(stack: Stack) -> None:
    """A `shipsTo` page is asked afresh (a revoked part leaves at once), and so is a
    certificate's public verification: the answers made from them are executed every time."""
    shipping = '{ parts(first: 5, filter: {shipsTo: "DE"}) { edges { node { sku } } } }'
    verify = '{ verifyCertificate(scheme: "ECE_R10", number: "E4-10R-06 0001") { status } }'
    for query, service, call in ((shipping, "catalog", "GET /parts/search"), (verify, "certification", "GET /verify")):
        not_kept = kept(stack.gql, "not_kept")
        data_of(stack.gql(query))
        stack.reset_counts()
        data_of(stack.gql(query))
        assert call in stack.calls(service)
        assert kept(stack.gql, "not_kept") == not_kept + 2


def test_an_answer_with_errors_is_not_kept(stack: Stack) -> None:
    query = '{ part(id: "not-an-id") { sku } }'
    not_kept = kept(stack.gql, "not_kept")
    for _ in range(2):
        assert stack.gql(query)["errors"]
    assert kept(stack.gql, "not_kept") == not_kept + 2


def test_a_change_through_the_gateway_drops_the_answers_made_before_it(stack: Stack) -> None:
    data_of(stack.gql(SEARCH))
    data_of(stack.gql(REGISTER_SUPPLIER, {"email": "kept-change@example.com", "uscc": valid_uscc(), "en": "Kept Co"}))
    stack.reset_counts()
    data_of(stack.gql(SEARCH))
    assert stack.calls("catalog") == ["GET /parts/search"]


@pytest.fixture
def short_lived(stack: Stack, databases: Databases) -> Iterator[GraphQL]:
    """A second gateway on the same services whose reads are kept one second."""
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        orders_url=f"http://127.0.0.1:{closed_port()}",
        read_cache_seconds=1.0,
    )
    transports: dict[str, httpx.AsyncBaseTransport] = dict(stack.transports)
    with TestClient(create_app(settings, transports=transports)) as client:
        yield GraphQL(client)


def test_an_answer_lives_no_longer_than_the_first_of_its_reads_to_expire(stack: Stack, short_lived: GraphQL) -> None:
    data_of(short_lived(SEARCH))
    started = time.monotonic()
    time.sleep(0.5)
    # The same search as another document: a new answer, made from the search read kept above.
    same_search = SEARCH.replace("first: 5)", "first: 5 )")
    data_of(short_lived(same_search))
    time.sleep(max(0.0, started + 1.1 - time.monotonic()))
    stack.reset_counts()
    data_of(short_lived(same_search))
    # Kept for its own second, the answer would still be fresh; its read was not.
    assert stack.calls("catalog") == ["GET /parts/search"]


def test_kept_answers_expire_and_go_with_a_new_generation() -> None:
    now = [100.0]
    generation = [0]
    answers = KeptAnswers(lambda: (generation[0],), clock=lambda: now[0])
    answers.put("a", {"x": 1}, 102.0, (0,))
    answers.put("stale", {"x": 2}, 102.0, (-1,))
    assert answers.get("a") == {"x": 1} and answers.get("stale") is None
    now[0] = 102.0
    assert answers.get("a") is None
    answers.put("b", {"x": 3}, 110.0, (0,))
    generation[0] = 1
    assert answers.get("b") is None and len(answers) == 0
