from __future__ import annotations

from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter

from gateway.clients import ServiceClients
from gateway.context import context_getter
from gateway.errors import RequestRefused, request_refused_handler
from gateway.identity.throttle import LoginThrottle
from gateway.schema import schema
from gateway.settings import GatewaySettings
from services.common.app import build_service_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    async def open_clients(app: FastAPI) -> None:
        app.state.clients = ServiceClients.open(settings)

    app = build_service_app(
        settings,
        title="Tongnan Parts Exchange gateway",
        description="The public GraphQL API at /graphql (GraphiQL in a browser).",
        on_startup=open_clients,
        on_shutdown=lambda app: app.state.clients.aclose(),
    )
    app.state.login_throttle = LoginThrottle(
        per_email=settings.login_failures_per_email,
        per_address=settings.login_failures_per_address,
        window_seconds=settings.login_failure_window_seconds,
    )
    app.add_exception_handler(RequestRefused, request_refused_handler)
    app.include_router(GraphQLRouter(schema, graphql_ide="graphiql", context_getter=context_getter), prefix="/graphql")
    return app
