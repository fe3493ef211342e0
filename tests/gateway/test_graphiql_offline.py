"""GraphiQL at /graphql loads and runs a query with every request to another origin refused:
its scripts and styles come from the gateway itself (gateway/graphiql), not from a CDN.

Debian's Chromium, driven by Playwright as in tests/e2e, against the gateway alone under
uvicorn: `{ apiVersion }` needs no service behind it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Route, expect, sync_playwright

from gateway.app import create_app
from gateway.graphiql import ASSETS_CACHE_CONTROL, PAGE_HEADERS
from gateway.settings import GatewaySettings
from tests.databases import Databases
from tests.harness import Served

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def gateway_url(databases: Databases) -> Iterator[str]:
    if databases.is_postgres:
        pytest.skip("GraphiQL's page reads no database; it is tested in the SQLite pass")
    settings = GatewaySettings(database_url=databases.migrated("gateway"))
    with Served(create_app(settings)) as served:
        yield served.url


def test_the_page_and_its_assets_carry_their_headers(gateway_url: str) -> None:
    page = httpx.get(f"{gateway_url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_HEADERS["Content-Security-Policy"]
    assert "unpkg.com" not in page.text and "jsdelivr" not in page.text
    script = httpx.get(f"{gateway_url}/graphql/static/graphiql.min.js")
    assert script.status_code == 200
    assert script.headers["cache-control"] == ASSETS_CACHE_CONTROL
    assert httpx.get(f"{gateway_url}/graphql/static/nothing.js").status_code == 404


def test_graphiql_runs_a_query_with_no_request_leaving_the_origin(gateway_url: str) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (CI installs it)")
    elsewhere: list[str] = []

    def only_the_gateway(route: Route) -> None:
        if route.request.url.startswith(f"{gateway_url}/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(15_000)
            context.route("**/*", only_the_gateway)
            page = context.new_page()
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
            page.goto(f"{gateway_url}/graphql")
            expect(page.locator(".graphiql-container")).to_be_visible()
            page.locator(".graphiql-query-editor .CodeMirror").evaluate(
                "editor => editor.CodeMirror.setValue('{ apiVersion }')"
            )
            page.locator(".graphiql-execute-button").click()
            expect(page.locator(".result-window")).to_contain_text('"apiVersion"')
        finally:
            browser.close()
    assert elsewhere == []
    # Nothing the page's Content-Security-Policy refused, nothing that failed to load.
    assert refused == []
