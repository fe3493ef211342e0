"""Every GraphQL error carries `extensions.code`; nothing internal reaches a client.

Domain errors (ours and the services' problem responses, mapped by the clients) keep
their message and code and name the input field; GraphQL syntax and validation errors
are BAD_USER_INPUT, and so are variables that do not coerce and arguments that strawberry
cannot convert (see gateway/limits.py and gateway/ids.py); anything else becomes a bare
INTERNAL error, logged with its trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    ValuesOfCorrectTypeRule,
    Visitor,
    visit,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension

from services.common.errors import DomainError

log = logging.getLogger(__name__)

CODES = (
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "UPSTREAM_UNAVAILABLE",
    "INTERNAL",
)
# Service problem codes that are not in the public list map onto the nearest one.
_PUBLIC_CODE = {"BAD_REQUEST": "BAD_USER_INPUT", "PAYLOAD_TOO_LARGE": "BAD_USER_INPUT"}


def public_code(code: str) -> str:
    code = _PUBLIC_CODE.get(code, code)
    return code if code in CODES else "INTERNAL"


def domain_extensions(error: DomainError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": public_code(error.code)}
    if error.field:
        extensions["field"] = error.field
    reason = error.extra.get("reason")
    if reason is not None:
        extensions["reason"] = reason
    retry_after = error.extra.get("retry_after")
    if retry_after is not None:
        extensions["retryAfterSeconds"] = retry_after
    return extensions


def _coded(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def coded(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: a public code always, internals never."""
    original = error.original_error
    if isinstance(original, DomainError):
        return _coded(error, original.detail, domain_extensions(original))
    if original is None:
        if error.extensions and error.extensions.get("code") in CODES:
            return error
        # Syntax, validation and limit errors: the client's document is wrong.
        return _coded(error, error.message, {"code": "BAD_USER_INPUT"})
    if isinstance(original, StrawberryInputCoercionError):
        # An argument strawberry could not convert (a GlobalID that does not decode): the
        # client's value is wrong, whichever resolver it was meant for.
        return _coded(error, original.message, {"code": "BAD_USER_INPUT"})
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code") in CODES:
        return _coded(error, original.message, dict(original.extensions or {}))
    return _coded(error, "Unexpected error.", {"code": "INTERNAL"})


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Refusals and the client's mistakes are answers, not incidents: only what became INTERNAL
    is logged, with its trace."""
    for error in errors:
        if (coded(error).extensions or {}).get("code") == "INTERNAL":
            log.error("unexpected error in GraphQL resolver", exc_info=error.original_error or error)


def argument_path(document: DocumentNode, target: Node) -> str | None:
    """Where a value written in the document sits among its field's arguments, named as the
    resolvers name fields (`input.lines.0.partId`); None outside any argument."""

    def search(value: Node, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
        if value is target:
            return path
        if isinstance(value, ObjectValueNode):
            for field in value.fields:
                if field is target:
                    return (*path, field.name.value)
                found = search(field.value, (*path, field.name.value))
                if found is not None:
                    return found
        elif isinstance(value, ListValueNode):
            for index, item in enumerate(value.values):
                found = search(item, (*path, index))
                if found is not None:
                    return found
        return None

    class Arguments(Visitor):
        found: tuple[str | int, ...] | None = None

        def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
            if self.found is None:
                name = (node.name.value,)
                self.found = name if node is target else search(node.value, name)
            return self.SKIP

    arguments = Arguments()
    visit(document, arguments)
    return ".".join(str(part) for part in arguments.found) if arguments.found is not None else None


class NamedValuesOfCorrectTypeRule(ValuesOfCorrectTypeRule):
    """graphql-core's check of the values written in a document (`role: SYSTEM`), whose errors
    also name the argument they are in, as an error from a resolver or a variable does."""

    def report_error(self, error: GraphQLError) -> None:
        field = argument_path(self.context.document, error.nodes[0]) if error.nodes else None
        error.extensions = {"code": "BAD_USER_INPUT", **({"field": field} if field else {})}
        super().report_error(error)


class NamedValueErrors(SchemaExtension):
    """Validates with `NamedValuesOfCorrectTypeRule` in place of graphql-core's own rule; put it
    before the validation cache, which validates with the rules it finds."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = tuple(
            NamedValuesOfCorrectTypeRule if rule is ValuesOfCorrectTypeRule else rule for rule in ctx.validation_rules
        )
        yield


class RequestRefused(Exception):
    """Refused before execution (credentials, rate, size): answered as a GraphQL error body."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        # Names one refusal exactly (ACCOUNT_DISABLED), as mutations' errors do.
        self.reason = reason


async def request_refused_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestRefused)
    extensions = {"code": exc.code} if exc.reason is None else {"code": exc.code, "reason": exc.reason}
    body = {"data": None, "errors": [{"message": exc.message, "extensions": extensions}]}
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)
