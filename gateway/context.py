"""The per-request GraphQL context: who is calling, the database, the upstream clients."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from gateway.clients import ById, ServiceClients, Upstream
from gateway.errors import RequestRefused
from gateway.identity import service as identity_service
from gateway.identity.throttle import LoginThrottle
from gateway.identity.tokens import Principal
from gateway.kept_answers import KeptAnswers, note_fresh_read
from gateway.limits import retry_after_header
from gateway.loaders import Loaders
from gateway.settings import GatewaySettings
from gateway.types import negotiate_locale
from marketplace.actors import ANONYMOUS, SYSTEM, Actor, internal_headers
from marketplace.roles import Role
from services.common.db import session_scope
from services.common.errors import Unauthenticated
from services.common.http import work_deadline

T = TypeVar("T")


class Context:
    def __init__(
        self,
        *,
        settings: GatewaySettings,
        engine: Engine,
        clients: ServiceClients,
        throttle: LoginThrottle,
        principal: Principal | None,
        client_address: str,
        locale: str = "en",
        reset_throttle: LoginThrottle | None = None,
        base_url: str = "",
        kept_answers: KeptAnswers | None = None,
    ) -> None:
        self.settings = settings
        # Password reset requests, per (e-mail, client address) and per address, like logins.
        self.reset_throttle = reset_throttle or throttle
        self.engine = engine
        self.clients = clients
        self.throttle = throttle
        self.principal = principal
        self.client_address = client_address
        self.locale = locale
        # Where this API is reached (scheme and host as the caller used them), for absolute URLs.
        self.base_url = base_url.rstrip("/")
        # Whole answers to visitors' queries (gateway/kept_answers.py); None keeps none.
        self.kept_answers = kept_answers
        self.loaders = Loaders(self)
        self._upstream_headers: dict[str, str] | None = None

    def session(self) -> AbstractContextManager[Session]:
        note_fresh_read()
        return session_scope(self.engine)

    async def in_session(self, work: Callable[[Session], T]) -> T:
        """Run blocking database work (and argon2) off the event loop, in one transaction."""

        def run() -> T:
            with self.session() as session:
                return work(session)

        return await run_in_threadpool(run)

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("log in or send an API key for this")
        return self.principal

    @property
    def actor(self) -> Actor:
        """The caller as the services see it, in the internal token."""
        p = self.principal
        if p is None:
            return ANONYMOUS
        return Actor(id=str(p.account_id), role=Role(p.role.value), supplier_id=str(p.supplier_id or "") or None)

    def upstream_headers(self) -> dict[str, str]:
        """One internal token per request (the caller does not change within it), not one per call."""
        if self._upstream_headers is None:
            self._upstream_headers = internal_headers(self.actor, self.settings.internal_secret.get_secret_value())
        return self._upstream_headers

    async def read_json(
        self,
        upstream: Upstream,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        fresh: bool = False,
        by_id: ById | None = None,
    ) -> Any:
        """A browsing read as this caller: for visitors and buyers from the upstream's short-lived
        cache while fresh (unless `fresh` is asked); suppliers, inspectors and admins read what they
        may just have changed, perhaps through another gateway process, so they always ask.
        `by_id`: the answer's items are kept for `read_by_ids` too (for visitors and buyers)."""
        browsing = self._browsing()
        return await upstream.read_json(
            path,
            caller=self.actor,
            headers=self.upstream_headers,
            params=params,
            body=body,
            fresh=fresh or not browsing,
            by_id=by_id if browsing else None,
        )

    async def read_by_ids(self, upstream: Upstream, path: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Items by id as this caller, in any order: for visitors and buyers each from the
        upstream's cache while fresh, whether a read by id or another answer's items put it there."""
        return await upstream.read_by_ids(
            path, ids, caller=self.actor, headers=self.upstream_headers, fresh=not self._browsing()
        )

    def _browsing(self) -> bool:
        return self.actor.role in (Role.ANONYMOUS, Role.BUYER)

    def system_headers(self) -> dict[str, str]:
        """For the gateway's own work, such as opening a supplier at registration."""
        return internal_headers(SYSTEM, self.settings.internal_secret.get_secret_value())


def _credential(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    api_key = request.headers.get("x-api-key", "").strip()
    return api_key or None


def client_address(request: HTTPConnection) -> str:
    """The visitor's address, as `ProxyHeadersMiddleware` (set up in app.py) has settled it."""
    return request.client.host if request.client else "unknown"


async def context_getter(request: HTTPConnection) -> Context:
    """Reads credentials once; a bad one refuses the whole request, even for public fields,
    so an integrator with a revoked key finds out at once rather than seeing public data."""
    app = request.app
    settings: GatewaySettings = app.state.settings
    credential = _credential(request)
    principal: Principal | None = None
    if credential is not None:
        secret = settings.jwt_secret.get_secret_value()

        def authenticate() -> Principal:
            # Both kinds are checked against the store: a key may be revoked, a login ended.
            with session_scope(app.state.engine) as session:
                if credential.startswith(identity_service.API_KEY_PREFIX + "_"):
                    return identity_service.authenticate_api_key(session, credential)
                return identity_service.authenticate_access_token(session, credential, secret)

        try:
            principal = await run_in_threadpool(authenticate)
        except Unauthenticated as exc:
            raise RequestRefused(
                401, "UNAUTHENTICATED", exc.detail, {"WWW-Authenticate": "Bearer"}, reason=exc.extra.get("reason")
            ) from None
    address = client_address(request)
    # A known caller is limited per account (all its keys and tokens together), everyone per address.
    limits = [(app.state.address_limit, address)]
    if principal is not None:
        limits.append((app.state.account_limit, str(principal.account_id)))
    for limit, key in limits:
        wait = await limit.take(key)
        if wait > 0:
            raise RequestRefused(429, "RATE_LIMITED", "too many requests; slow down", retry_after_header(wait))
    work_deadline.set(time.monotonic() + settings.request_deadline_seconds)
    return Context(
        settings=settings,
        engine=app.state.engine,
        clients=app.state.clients,
        throttle=app.state.login_throttle,
        reset_throttle=app.state.reset_throttle,
        principal=principal,
        client_address=address,
        locale=negotiate_locale(request.headers.get("accept-language")),
        base_url=str(request.base_url),
        kept_answers=app.state.kept_answers,
    )
