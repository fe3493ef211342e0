"""The one client between our processes (services.common.http), against a real local HTTP
server: which calls it retries, the deadline it keeps, the request id it passes on, and the
problem answers it turns into our errors."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from asgi_correlation_id import correlation_id

from ops.stack import KEEP_ALIVE_SECONDS, uvicorn_command
from services.common.errors import Conflict, NotFound, RateLimited, UpstreamUnavailable
from services.common.http import DeadlineExceeded, ServiceClient, work_deadline


@dataclass
class Script:
    """What the server answers, one status per call in turn (the last one again once they run
    out), and what each call brought."""

    statuses: list[int] = field(default_factory=lambda: [200])
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    delay: float = 0.0
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self) -> tuple[int, dict[str, Any]]:
        status = self.statuses[min(len(self.calls) - 1, len(self.statuses) - 1)]
        return status, self.body if status < 400 else {"detail": f"answered {status}"}


class ScriptedServer:
    def __init__(self) -> None:
        self.script = Script()
        script = lambda: self.script  # noqa: E731 - the handler reads the script of the moment

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                current = script()
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                current.calls.append((self.command, {k.lower(): v for k, v in self.headers.items()}))
                time.sleep(current.delay)
                status, body = current.answer()
                payload = json.dumps(body).encode()
                self.send_response(status)
                kind = "application/json" if status < 400 else "application/problem+json"
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    running = ScriptedServer()
    yield running
    running.close()


@pytest.fixture
def client(server: ScriptedServer) -> Iterator[ServiceClient]:
    service = ServiceClient("catalog", server.url, timeout=5.0, attempts=3)
    yield service
    service.close()


def test_an_idempotent_read_is_tried_again_after_a_503(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[503, 200])
    assert client.request_sync("GET", "/parts").json() == {"ok": True}
    assert [method for method, _ in server.script.calls] == ["GET", "GET"]


def test_a_read_that_keeps_failing_ends_after_its_attempts(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[502])
    with pytest.raises(UpstreamUnavailable):
        client.request_sync("GET", "/parts")
    assert len(server.script.calls) == 3


def test_a_write_without_an_idempotency_key_is_made_once(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[503, 200])
    with pytest.raises(UpstreamUnavailable) as refused:
        client.request_sync("POST", "/reservations", json={"lines": []})
    assert refused.value.detail == "answered 503"
    assert len(server.script.calls) == 1


def test_a_write_with_an_idempotency_key_is_tried_again(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[504, 201])
    response = client.request_sync("POST", "/reservations", headers={"Idempotency-Key": "order-1"}, json={})
    assert response.status_code == 201
    assert len(server.script.calls) == 2


def test_an_answer_that_is_not_worth_retrying_is_not_retried(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[404, 200])
    with pytest.raises(NotFound):
        client.request_sync("GET", "/parts/unknown")
    assert len(server.script.calls) == 1


def test_a_service_that_is_not_listening_is_unavailable() -> None:
    stopped = ScriptedServer()
    stopped.close()
    service = ServiceClient("orders", stopped.url, timeout=2.0, attempts=2)
    with pytest.raises(UpstreamUnavailable) as refused:
        service.request_sync("GET", "/orders")
    assert refused.value.detail == "the orders service is unavailable"
    assert not isinstance(refused.value, DeadlineExceeded)


def test_a_slow_answer_costs_the_call_its_deadline_not_more(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(delay=1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as late:
        client.request_sync("GET", "/parts", deadline=0.3)
    assert time.monotonic() - started < 1.2
    assert late.value.code == "UPSTREAM_UNAVAILABLE" and late.value.extra["reason"] == "DEADLINE"
    assert "catalog" in late.value.detail


def test_a_write_made_once_waits_for_its_answer_until_the_deadline(server: ScriptedServer) -> None:
    """Giving up on a write after one attempt's timeout would leave its effect unknown: it waits
    for the answer as long as the call's deadline allows, awaited or blocking."""
    server.script = Script(delay=0.8)
    service = ServiceClient("certification", server.url, timeout=0.3, deadline=3.0)

    async def awaited() -> httpx.Response:
        try:
            return await service.request("POST", "/certificates", json={})
        finally:
            await service.aclose()

    assert asyncio.run(awaited()).status_code == 200
    assert service.request_sync("POST", "/certificates", json={}).status_code == 200
    assert len(server.script.calls) == 2


def test_a_slow_read_attempt_gives_up_at_the_timeout_to_try_again(server: ScriptedServer) -> None:
    server.script = Script(delay=0.8)
    service = ServiceClient("catalog", server.url, timeout=0.3, attempts=2, deadline=3.0)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable):
        service.request_sync("GET", "/parts")
    assert len(server.script.calls) == 2
    assert time.monotonic() - started < 1.5


def test_the_work_in_hand_cuts_an_awaited_call_short(server: ScriptedServer) -> None:
    server.script = Script(delay=1.5)

    async def call() -> None:
        service = ServiceClient("catalog", server.url, timeout=5.0)
        work_deadline.set(time.monotonic() + 0.3)
        try:
            await service.request("GET", "/parts")
        finally:
            await service.aclose()

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as late:
        asyncio.run(call())
    assert time.monotonic() - started < 1.2
    assert "request's deadline" in late.value.detail


def test_an_awaited_read_is_tried_again_after_a_503(server: ScriptedServer) -> None:
    server.script = Script(statuses=[503, 200])

    async def call() -> Any:
        service = ServiceClient("catalog", server.url, timeout=5.0)
        try:
            return await service.get_json("/parts", headers={})
        finally:
            await service.aclose()

    assert asyncio.run(call()) == {"ok": True}
    assert len(server.script.calls) == 2


def test_the_request_id_and_the_callers_headers_go_on(server: ScriptedServer, client: ServiceClient) -> None:
    token = correlation_id.set("req-42")
    try:
        client.request_sync("GET", "/parts", headers={"Authorization": "Bearer internal"})
    finally:
        correlation_id.reset(token)
    [(_, headers)] = server.script.calls
    assert headers["x-request-id"] == "req-42"
    assert headers["authorization"] == "Bearer internal"


def test_a_problem_answer_becomes_our_error_with_its_words(server: ScriptedServer, client: ServiceClient) -> None:
    problem = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "not enough stock",
        "code": "OUT_OF_STOCK",
        "field": "lines",
        "insufficient_part_ids": ["p-1"],
    }

    class Refusing(Script):
        def answer(self) -> tuple[int, dict[str, Any]]:
            return 409, problem

    server.script = Refusing()
    with pytest.raises(Conflict) as refused:
        client.request_sync("POST", "/reservations", json={})
    error = refused.value
    assert (error.detail, error.field) == ("not enough stock", "lines")
    assert error.extra == {"reason": "OUT_OF_STOCK", "insufficient_part_ids": ["p-1"]}
    # The caller may name its own field instead of the service's.
    with pytest.raises(Conflict) as renamed:
        client.request_sync("POST", "/reservations", json={}, field="quoteId")
    assert renamed.value.field == "quoteId"


def test_a_rate_limit_keeps_its_wait(server: ScriptedServer, client: ServiceClient) -> None:
    server.script = Script(statuses=[429])
    with pytest.raises(RateLimited) as limited:
        client.request_sync("GET", "/parts")
    assert limited.value.retry_after_seconds == 1
    assert len(server.script.calls) == 1


def test_a_service_keeps_an_idle_connection_open_longer_than_its_clients_do() -> None:
    """Else a client may send on a connection the server is closing at that moment, and a call
    that is not retried fails: "Server disconnected without sending a response"."""
    client_keeps = httpx.Limits().keepalive_expiry  # our clients' pools (the gateway's aiohttp one too)
    assert client_keeps is not None and client_keeps < KEEP_ALIVE_SECONDS
    command = uvicorn_command("services.catalog.app:create_app", "127.0.0.1", 8001)
    assert command[command.index("--timeout-keep-alive") + 1] == str(KEEP_ALIVE_SECONDS)
