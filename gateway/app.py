from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.clients import ServiceClients
from gateway.errors import RequestRefused, request_refused_handler
from gateway.execution import use_executor
from gateway.graphiql import GraphQLWithLocalIDE, assets_mount
from gateway.identity.throttle import LoginThrottle
from gateway.images import image
from gateway.invalidation import CacheInvalidator
from gateway.kept_answers import KEPT_ANSWERS, KeptAnswers
from gateway.limits import BodySizeLimit
from gateway.operation_log import OPERATION_SECONDS, OPERATIONS
from gateway.schema import schema
from gateway.settings import GatewaySettings
from services.common.app import build_service_app
from services.common.ratelimit import RateLimit
from services.common.settings import load_or_exit


def create_app(
    settings: GatewaySettings | None = None, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """`transports` lets tests put the real services in-process instead of on ports."""
    settings = settings or load_or_exit(GatewaySettings)

    async def open_clients(app: FastAPI) -> None:
        clients = ServiceClients.open(settings, transports)
        app.state.clients = clients
        app.state.kept_answers = (
            KeptAnswers(clients.read_cache_generations) if settings.read_cache_seconds > 0 else None
        )
        app.state.cache_invalidator = None
        if settings.invalidates_cache:
            invalidator = CacheInvalidator(settings.nats_url, [clients.catalog.cache, clients.certification.cache])
            invalidator.start()
            app.state.cache_invalidator = invalidator

    async def close_clients(app: FastAPI) -> None:
        if app.state.cache_invalidator is not None:
            await app.state.cache_invalidator.stop()
        await app.state.clients.aclose()

    app = build_service_app(
        settings,
        title="Tongnan Parts Exchange gateway",
        description="The public GraphQL API at /graphql (GraphiQL in a browser).",
        on_startup=open_clients,
        on_shutdown=close_clients,
        # Requests wait on the services, not on the database: their few database calls each take
        # a connection inside one worker thread and give it back before anything else is awaited.
        concurrent_requests=None,
        collectors=[OPERATIONS, OPERATION_SECONDS, KEPT_ANSWERS],
    )
    app.state.login_throttle = LoginThrottle(
        settings,
        namespace="login",
        free_failures=settings.login_free_failures,
        backoff_cap_seconds=settings.login_backoff_cap_seconds,
        per_address=settings.login_failures_per_address,
        window_seconds=settings.login_failure_window_seconds,
    )
    # Each reset request counts like a failed login: a few per address and e-mail are free, then
    # each waits longer; so no one floods a mailbox with links or walks a list of addresses.
    app.state.reset_throttle = LoginThrottle(
        settings,
        namespace="password-reset",
        free_failures=settings.password_reset_mails_per_window,
        backoff_cap_seconds=settings.login_backoff_cap_seconds,
        per_address=settings.login_failures_per_address,
        window_seconds=settings.password_reset_window_seconds,
    )
    app.state.account_limit = RateLimit(
        settings,
        namespace="gateway-account",
        per_minute=settings.rate_per_minute_per_account,
        burst=settings.rate_burst_per_account,
    )
    app.state.address_limit = RateLimit(
        settings,
        namespace="gateway-address",
        per_minute=settings.rate_per_minute_per_address,
        burst=settings.rate_burst_per_address,
    )
    app.add_exception_handler(RequestRefused, request_refused_handler)
    # The client address (rate limits, login throttling) is the peer's, or from a trusted proxy the
    # rightmost X-Forwarded-For entry none of our proxies added; uvicorn's own reading of the header
    # is turned off where we serve it (ops/stack.py), since it trusts any local client.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(n) for n in settings.trusted_proxies])
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    # Multipart requests carry uploads (a certificate's PDF); the view takes them only with
    # a credential header, which a form on another site cannot send (see GatewayGraphQL). A browser
    # gets GraphiQL, whose scripts and styles come from /graphql/static/ (see gateway/graphiql).
    use_executor(schema, settings.executor)
    app.router.routes.append(
        Route("/graphql", GraphQLWithLocalIDE(schema, graphql_ide="graphiql", multipart_uploads_enabled=True))
    )
    app.router.routes.append(assets_mount())
    app.router.routes.append(Route("/images/{name}", image, methods=["GET", "HEAD"]))
    return app
