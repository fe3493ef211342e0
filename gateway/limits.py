"""What one request may cost and carry: body size, rate per caller, the query's own cost,
the variables' values and the length of its strings.

Depth, alias and token limits are strawberry's own extensions (see schema.py); the cost
ceiling is ours, since strawberry ships none. Everything here refuses before any
upstream call is made, with BAD_USER_INPUT naming the field where there is one.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_variable_values,
    is_input_type,
    type_from_ast,
    validate_input_value,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql.execution.values import VariableValues
from graphql.pyutils import Undefined
from graphql.type import GraphQLSchema
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from services.common.ratelimit import retry_after

DEFAULT_PAGE = 20
# Bad variable values reported in one answer before the rest are left unchecked.
MAX_VARIABLE_ERRORS = 20


class BodySizeLimit:
    """Refuses a request body over `max_bytes` with 413 before reading the rest of it.

    A multipart request (the GraphQL multipart request spec, for a certificate's PDF) may be
    `max_upload_bytes` larger: the file on top of what any JSON request may carry."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.max_bytes
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            limit += self.max_upload_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "data": None,
                "errors": [
                    {
                        "message": f"request body larger than {limit} bytes",
                        "extensions": {"code": "BAD_USER_INPUT", "reason": "BODY_TOO_LARGE"},
                    }
                ],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


def query_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Each field costs 1; a field with `first` multiplies what is under it by that page size
    (20 when not given), so a connection of 100 parts with five fields each costs 500."""

    def page(field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = variables.get(value.name.value)
                return max(1, int(given)) if isinstance(given, int) else DEFAULT_PAGE
        return DEFAULT_PAGE if field.name.value.endswith("s") and _is_connection(field) else 1

    def cost(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + page(selection) * cost(selection.selection_set, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    continue
                total += cost(fragments[name].selection_set, seen | {name})
        return total

    return cost(operation.selection_set, frozenset())


def _is_connection(field: FieldNode) -> bool:
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value == "edges" for s in selections)


# The longest string any argument or input field may carry, by its GraphQL name wherever it
# appears; the rest may carry DEFAULT_MAX_LENGTH. The catalog's reads take these as query
# parameters, so they are held to what the catalog takes; `csv` is bounded by the body size.
DEFAULT_MAX_LENGTH = 10_000
MAX_ARGUMENT_LENGTHS: dict[str, int | None] = {
    "search": 200,
    "oemNumber": 60,
    "after": 1000,
    "category": 40,
    "make": 60,
    "model": 80,
    "vin": 40,
    "csv": None,
}


def input_error(message: str, node: Node | None, field: str | None, **extensions: Any) -> GraphQLError:
    """The client's input is wrong: BAD_USER_INPUT, naming the field as the resolvers do."""
    return GraphQLError(
        message, node, extensions={"code": "BAD_USER_INPUT", **({"field": field} if field else {}), **extensions}
    )


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: dict[str, Any]
) -> dict[str, Any] | list[GraphQLError]:
    """The operation's variables as execution will see them (defaults included), or one error
    for each bad value, naming the variable and the path inside it (`filter.condition`)."""
    result = get_variable_values(schema, operation.variable_definitions or (), inputs, max_errors=MAX_VARIABLE_ERRORS)
    if isinstance(result, VariableValues):
        return result.coerced
    # graphql-core's errors name the variable only in their text: ask again for the paths,
    # which come in the same order as its errors for each variable.
    paths: dict[str, Iterator[str]] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        if name in inputs and var_type is not None and is_input_type(var_type):
            found: list[str] = []

            def on_error(_: GraphQLError, at: Sequence[str | int], found: list[str] = found, var: str = name) -> None:
                found.append(".".join(str(part) for part in (var, *at)))

            validate_input_value(inputs[name], var_type, on_error)
            paths[name] = iter(found)
    errors = []
    for error in result:
        node = error.nodes[0] if error.nodes else None
        field = None
        if isinstance(node, VariableDefinitionNode):
            name = node.variable.name.value
            field = next(paths.get(name, iter(())), name)
        errors.append(input_error(error.message, node, field))
    return errors


def check_lengths(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode], inputs: Mapping[str, Any]
) -> None:
    """Refuses a string argument or input field over its length (MAX_ARGUMENT_LENGTHS), naming
    it by its path among the field's arguments (`filter.make`), before anything is asked."""

    def check(name: str, path: str, value: Any, node: Node) -> None:
        if isinstance(value, VariableNode):
            given = inputs.get(value.name.value, Undefined)
            if given is Undefined:
                definition = defaults.get(value.name.value)
                if definition is not None:
                    check(name, path, definition, node)
                return
            value = given
        if isinstance(value, StringValueNode):
            value = value.value
        if isinstance(value, str):
            limit = MAX_ARGUMENT_LENGTHS.get(name, DEFAULT_MAX_LENGTH)
            if limit is not None and len(value) > limit:
                raise input_error(
                    f"{path} is {len(value)} characters long; at most {limit} are accepted",
                    node,
                    path,
                    reason="TOO_LONG",
                    maxLength=limit,
                )
        elif isinstance(value, ObjectValueNode):
            for field in value.fields:
                check(field.name.value, f"{path}.{field.name.value}", field.value, field)
        elif isinstance(value, ListValueNode):
            for index, item in enumerate(value.values):
                check(name, f"{path}.{index}", item, node)
        elif isinstance(value, dict):
            for key, item in value.items():
                check(key, f"{path}.{key}", item, node)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(name, f"{path}.{index}", item, node)

    defaults = {d.variable.name.value: d.default_value for d in operation.variable_definitions or () if d.default_value}
    for selection_set in (operation.selection_set, *(f.selection_set for f in fragments.values())):
        for field in _fields(selection_set):
            for argument in field.arguments or ():
                check(argument.name.value, argument.name.value, argument.value, argument)


def _fields(selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
    """Every field of a selection set and below, fragment spreads left to their definitions."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
            yield from _fields(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set)


def checked_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, inputs: dict[str, Any]
) -> int | list[GraphQLError] | None:
    """The cost of the operation to run, or the errors in its input (variables that do not
    coerce, strings over their length); None when graphql-core is to answer that no such
    operation is there."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    operation = operations[0]
    variables = coerce_variables(schema, operation, inputs)
    if isinstance(variables, list):
        return variables
    try:
        check_lengths(operation, fragments, inputs)
    except GraphQLError as error:
        return [error]
    return query_cost(operation, fragments, variables)


class CostCache:
    """Costs of the documents asked for again and again (the storefront's listing) with the
    same variables, so that checking them is one lookup. A document stays the same object
    while strawberry's parser cache holds it; the entry keeps it alive, so that its id is
    never taken for another's. Only costs are kept: a refused request is checked afresh."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[int, str | None, bytes], tuple[DocumentNode, int]] = OrderedDict()

    def cost(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, inputs: dict[str, Any]
    ) -> int | list[GraphQLError] | None:
        try:
            key = (id(document), operation_name, orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS))
        except TypeError:  # a value orjson cannot write (an uploaded file): check without the cache
            return checked_cost(schema, document, operation_name, inputs)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is document:
            self._entries.move_to_end(key)
            return entry[1]
        outcome = checked_cost(schema, document, operation_name, inputs)
        if isinstance(outcome, int):
            self._entries[key] = (document, outcome)
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return outcome


_costs = CostCache()


class QueryCostLimiter(SchemaExtension):
    """Refuses, before anything is executed, an operation whose variables do not coerce, whose
    strings are too long, or whose cost is over the context's `settings.max_query_cost`.

    The cost is counted with the variables as execution will use them: a page size given by
    a variable's default costs what it will fetch."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        outcome = None
        if document is not None:
            outcome = _costs.cost(ctx.schema._schema, document, ctx.operation_name, ctx.variables or {})
        if isinstance(outcome, list):
            ctx.result = GraphQLExecutionResult(data=None, errors=outcome)
        elif outcome is not None and outcome > (max_cost := ctx.context.settings.max_query_cost):
            raise GraphQLError(
                f"query cost {outcome} exceeds the ceiling of {max_cost}; ask for fewer items or fields",
                extensions={"code": "BAD_USER_INPUT", "reason": "QUERY_TOO_COSTLY", "cost": outcome},
            )
        yield


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(retry_after(seconds))}
