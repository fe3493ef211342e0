"""The storefront: server-rendered pages for buyers and suppliers over the public GraphQL API.

Why server-rendered (FastAPI + Jinja2) rather than a single-page app: every page works
without JavaScript, on slow phones and with assistive technology; the access token never
reaches page scripts (HttpOnly cookie); and the only client of the API is this process,
exactly like an integrator's. The little progressive enhancement there is (submitting a
selector when it changes, confirming before leaving a half-typed form) is a few lines of our
own JavaScript in static/app.js rather than a vendored library: nothing to audit or update.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from services.common.logs import add_request_ids, configure_logging
from services.common.metrics import install_metrics
from services.common.settings import load_or_exit
from services.common.tracing import start_tracing, trace_app
from storefront import (
    account,
    after_sale,
    buyer,
    checkout,
    csrf,
    i18n,
    images,
    quote_pricing,
    vehicles,
)
from storefront.api_client import ApiBusy, ApiClient, ApiFailed, ApiUnavailable, TokenRejected
from storefront.currencies import OfferedCurrencies
from storefront.office.areas import AREAS as OFFICE_AREAS
from storefront.office.routes import routers as office_routers
from storefront.settings import StorefrontSettings
from storefront.supplier.routes import routers as supplier_routers
from storefront.web import Page

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

# Pages load only our own scripts, styles and images; nobody may frame them.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        # Every value is escaped: a part title with <script> is shown as text.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        image_src=images.image_src,
        locales=i18n.LOCALES,
        office_locales=i18n.OFFICE_LOCALES,
        locale_names=i18n.LOCALE_NAMES,
        countries=buyer.COUNTRIES,
        office_areas=OFFICE_AREAS,
    )
    return Jinja2Templates(env=environment)


def _area(request: Request) -> Page:
    path = request.url.path
    if path.startswith("/supplier"):
        return Page(request, "supplier")
    return Page(request, "office" if path.startswith("/office") else "buyer")


def create_app(
    settings: StorefrontSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """`transport` lets tests put the gateway in-process instead of on a port."""
    settings = settings or load_or_exit(StorefrontSettings)
    configure_logging("storefront", settings.environment)
    start_tracing("storefront")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.api = ApiClient(settings.gateway_url, timeout=settings.gateway_timeout, transport=transport)
        yield
        await app.state.api.aclose()

    # csrf.protect runs before every route: no unsafe request from another site reaches one.
    app = FastAPI(title="Tongnan Parts Exchange storefront", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, dependencies=[Depends(csrf.protect)])  # fmt: skip
    app.state.settings = settings
    app.state.currencies = OfferedCurrencies()
    # The visitor's address (passed to the gateway for its limits) is the peer's, or from a trusted
    # proxy the rightmost X-Forwarded-For entry none of them added.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(n) for n in settings.trusted_proxies])
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(buyer.router)
    app.include_router(account.router)
    app.include_router(checkout.router)
    app.include_router(quote_pricing.router)
    app.include_router(after_sale.router)
    for router in supplier_routers():
        app.include_router(router)
    app.include_router(images.router)
    app.include_router(vehicles.router)
    for router in office_routers():
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "service": "storefront"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """Ready when the API answers: without it no page can be shown."""
        try:
            result = await request.app.state.api.execute("{ apiVersion }")
        except (ApiUnavailable, ApiFailed, ApiBusy, TokenRejected):
            return JSONResponse({"status": "waiting for the gateway"}, status_code=503)
        ok = bool((result.data or {}).get("apiVersion"))
        return JSONResponse({"status": "ready" if ok else "gateway answered oddly"}, status_code=200 if ok else 503)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(ApiUnavailable)
    async def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("gateway unavailable for %s: %s", request.url.path, exc)
        return _area(request).render("error.html", status_code=503, reason="unavailable", retry_after=30)

    @app.exception_handler(ApiFailed)
    async def failed(request: Request, exc: Exception) -> Response:
        log.error("the API failed on %s: %s", request.url.path, exc)
        return _area(request).render("error.html", status_code=500, reason="internal", retry_after=0)

    @app.exception_handler(ApiBusy)
    async def busy(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiBusy)
        response = _area(request).render("error.html", status_code=503, reason="busy", retry_after=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(csrf.RequestRefused)
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, csrf.RequestRefused)
        log.warning("refused %s %s: %s", request.method, request.url.path, exc)
        page = _area(request)
        if request.headers.get("content-type", "").startswith("application/json"):
            # Our own scripts (the card payment) show the message where they show errors.
            message = page._("This page was open too long or came from another site. Reload it and try again.")
            return page.apply(JSONResponse({"error": message}, status_code=403))
        return page.render("error.html", status_code=403, reason="forbidden", retry_after=0)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return _area(request).render("not_found.html", status_code=404)
        return _area(request).render("error.html", status_code=exc.status_code, reason="request", retry_after=0)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s", request.url.path, exc_info=exc)
        return _area(request).render("error.html", status_code=500, reason="internal", retry_after=0)

    install_metrics(app)
    trace_app(app)
    # A visitor's browser names no request of ours: every page gets an id made here.
    add_request_ids(app, keep_incoming=False)
    return app
