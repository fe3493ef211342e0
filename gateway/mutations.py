"""The one base of every mutation of the public API, after Saleor's BaseMutation.

A mutation declares who may run it, and its body only says what it asks of which service:

    @mutation(description="...", allow=ADMINS.refusing("dead letters are for admins"))
    async def replay_dead_letter(self, info: Info[Context, None], service: EventService, id: strawberry.ID) -> ...:
        dead_letter_id = node_uuid(id, "DeadLetter", field="id")
        data = await call_upstream(info.context, upstream, "POST", f"/events/dead-letters/{dead_letter_id}/replay")

- `allow` (a gateway.permissions.Permission) is checked before the body runs: UNAUTHENTICATED
  without a login or key, FORBIDDEN (with the permission's own refusal) for a role it does not
  name. The services check again; the gateway's check answers before any service is asked.
- Global ids are decoded by `gateway.ids.node_uuid`, which names the argument in its error.
- `call_upstream` is the one way a mutation calls a service: as the caller, and with the
  service's field names in its errors renamed to the client's argument paths.
- Files sent as multipart parts are read by `read_upload`, within the upload limit.
- Staff actions are recorded by `gateway.audit`, once the service has made the change.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar

import strawberry
from starlette.datastructures import UploadFile
from strawberry.types import Info

from gateway.clients import Upstream
from gateway.context import Context
from gateway.permissions import Permission
from services.common.errors import BadInput, DomainError

P = ParamSpec("P")
R = TypeVar("R")


def _info(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Info[Context, None]:
    found = kwargs.get("info")
    if found is None:
        found = next(a for a in args if isinstance(a, Info))
    return found


def mutation(*, allow: Permission, description: str | None = None) -> Callable[[Callable[P, Awaitable[R]]], Any]:
    """`strawberry.mutation` whose resolver first checks `allow`. The resolver keeps its signature
    (functools.wraps), so strawberry reads the same arguments and the schema does not change."""

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Any:
        @functools.wraps(resolver)
        async def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            allow.check(_info(args, kwargs).context)
            return await resolver(*args, **kwargs)

        return strawberry.mutation(resolver=checked, description=description)

    return decorate


def renamed_field(field: str | None, names: Mapping[str, str]) -> str | None:
    """A service's field name as the client named it: `names` maps a service field (`bank_name`)
    or the head of a path (`batch_ids` in `batch_ids.2`) to the argument path (`input.bankName`,
    `batchIds`). Names it does not hold stay as they are."""
    if field is None:
        return None
    if field in names:
        return names[field]
    head, dot, rest = field.partition(".")
    if dot and head in names:
        return f"{names[head]}.{rest}"
    return field


async def call_upstream(
    context: Context,
    upstream: Upstream,
    method: Literal["POST", "PUT", "PATCH", "DELETE"],
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    content: bytes | None = None,
    content_type: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> Any:
    """One change asked of a service as the caller; its answer's JSON (None when it has no body).
    A service's error keeps its code and message, its field renamed by `fields` (`renamed_field`)."""
    headers = context.upstream_headers()
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    try:
        response = await upstream.request(method, path, headers=headers, params=params, json=json, content=content)
    except DomainError as error:
        if fields:
            error.field = renamed_field(error.field, fields)
        raise
    return response.json() if response.content else None


@dataclass(frozen=True, slots=True)
class Uploaded:
    filename: str | None
    content: bytes


async def read_upload(
    context: Context, file: object, *, field: str, what: str, too_large_reason: str | None = None
) -> Uploaded:
    """A file sent as a part of a multipart request, at most the upload limit; BAD_USER_INPUT
    naming `field` otherwise (`what` names the file in the message: "a picture")."""
    if not isinstance(file, UploadFile):
        raise BadInput(f"send {what} as a file of a multipart request", field=field)
    limit = context.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise BadInput(f"{what} may be at most {limit // (1024 * 1024)} MB", field=field, reason=too_large_reason)
    return Uploaded(file.filename, content)
