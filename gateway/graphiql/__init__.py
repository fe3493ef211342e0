"""GraphiQL at /graphql, served whole from the gateway's own origin.

strawberry's own GraphiQL page loads React and GraphiQL from a CDN, so it never loads offline
(a laptop on a train, a workshop behind a firewall) and a third party serves the script that
holds an integrator's token. Here the scripts and styles are the package data of
graphene-django-graphiql-static, locked in uv.lock: GraphiQL 2 with its explorer plugin and
React 17 (its fetch polyfill and graphql-ws are left out: every browser GraphiQL 2 runs in has
fetch, and the API has no subscriptions). Only its files are used, never its Django view.
They are served at /graphql/static/; their names carry no hash, so the page asks for them with
the package's version in the query string, and a new version is a new URL that no cache holds.

The page's Content-Security-Policy lets it load nothing from another origin: its scripts from
'self' and the inline start script by its hash; styles may be inline (GraphiQL's components
inject theirs); fonts and icons are data: URIs in GraphiQL's stylesheet.
"""

from __future__ import annotations

import base64
import hashlib
import os
from importlib.metadata import version
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from gateway.view import GatewayGraphQL

HERE = Path(__file__).parent
ASSETS_PATH = "/graphql/static"
ASSETS_PACKAGE = ("graphene_django_graphiql_static", "static/graphene_django_graphiql_static")
# Served with a year's cache: a new version of the package is a new URL (see the module's docstring).
ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"

_START = (HERE / "start.js").read_text(encoding="utf-8")
_START_HASH = base64.b64encode(hashlib.sha256(_START.encode()).digest()).decode()
PAGE = Template((HERE / "page.html").read_text(encoding="utf-8")).substitute(
    assets=ASSETS_PATH, version=version("graphene-django-graphiql-static"), start=_START
)
PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src 'self' 'sha256-{_START_HASH}'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


class GraphiQLAssets(StaticFiles):
    """GraphiQL's scripts and styles from the package, cached for a year."""

    def __init__(self) -> None:
        super().__init__(packages=[ASSETS_PACKAGE])

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSETS_CACHE_CONTROL
        return response


class GraphQLWithLocalIDE(GatewayGraphQL):
    """The gateway's GraphQL view, whose GraphiQL page loads only from the gateway itself."""

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(PAGE, headers=PAGE_HEADERS)


def assets_mount() -> Mount:
    return Mount(ASSETS_PATH, app=GraphiQLAssets(), name="graphiql-assets")
