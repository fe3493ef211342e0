"""How the gateway executes a query: graphql-core's executor, with strawberry's wrapping skipped
for the kinds of field that need none of it.

strawberry calls every field through its own resolver: it builds a resolve info, converts the
arguments, runs the field's extensions and calls the function. A page of 20 parts with their
suppliers, certificates, eligibility and prices is about 580 fields, and that machinery cost more
than the fields' own work. Most of those fields are of these kinds:

- a plain attribute of a scalar or enum type (`sku`, `amount`, `status`): read and serialised
  in place, with no resolve info, no path and no resolver call (a path is made only for an
  error);
- a plain attribute that is a list of those (`missingSchemes`), when it holds no null;
- relay's `id` of a Node that keeps relay's own `resolve_id` and `resolve_typename`: base64 of
  `Type:id`, made in place as relay.Node._id makes it (88 of them on a page);
- a method with only scalar arguments and no field extensions or permission classes
  (`title(locale:)`, `price(currency:)`): called directly, with the arguments graphql-core
  coerced, the source as `self`/`root` and strawberry's own `Info`, as strawberry would call it.

Everything else (input objects, enums or lists as arguments, field extensions, exception
handlers, middleware from schema extensions) takes strawberry's path unchanged. What a field
resolves to, the errors and their paths are the same either way; tests/gateway/test_execution.py
runs queries both ways and compares them. The listing executes in half the time strawberry's
own executor takes (docs/performance.md). It leans on graphql-core's executor methods
(`execute_fields`, `execute_field`) and on strawberry's field, resolver, enum and relay internals,
which is why pyproject.toml bounds both to the minor versions it is tested with.

TONGNAN_GATEWAY_EXECUTOR=strawberry runs strawberry's own executor instead, keeping only the
rule for services that did not answer (UpstreamTolerantExecutionContext): the answers are the
same, only slower.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, UndefinedType, gather_with_cancel
from strawberry import ID, relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField

from services.common.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from strawberry.schema.schema import Schema as StrawberrySchema

# graphql-core's scalars that answer a value of exactly this type with the value itself (Int
# is not among them: it checks the 32-bit range).
AS_IS: dict[GraphQLLeafType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}

# Argument types that strawberry hands to a resolver exactly as graphql-core coerced them.
AS_COERCED = (str, int, float, bool, ID)


@dataclass(frozen=True, slots=True)
class Attribute:
    """A plain attribute of a scalar or enum type."""

    python_name: str
    leaf_type: GraphQLLeafType
    non_null: bool
    # For a strawberry enum, its class and each member's GraphQL name, so that a member is
    # serialised by one lookup: strawberry's enum type compares it with every value in turn.
    enum_class: type | None = None
    enum_names: dict[Any, str] | None = None
    # The Python type that graphql-core's own scalar serialises as itself (str for String and
    # ID, bool for Boolean): such a value is the answer as it is.
    as_is: type | None = None


@dataclass(frozen=True, slots=True)
class LeafList:
    """A plain attribute that is a list of non-null scalars or enums (`missingSchemes`)."""

    python_name: str
    leaf_type: GraphQLLeafType


@dataclass(frozen=True, slots=True)
class Method:
    """A resolver that strawberry would call with nothing but its coerced scalar arguments."""

    function: Callable[..., Any]
    pass_self: bool
    source_parameter: str | None  # `root` or `parent`
    info_parameter: str | None
    python_names: dict[str, str]  # GraphQL argument name -> parameter
    field: StrawberryField
    info_class: type


@dataclass(frozen=True, slots=True)
class GlobalId:
    """relay's `id` field."""


Plan = Attribute | LeafList | GlobalId | Method | None

# relay.Node's own `id` resolver, which every Node type inherits.
NODE_ID = next(f for f in get_object_definition(relay.Node, strict=True).fields if f.python_name == "_id").base_resolver
# A Node class -> its NodeID attribute, or None when it resolves ids or type names its own way.
_node_id_attributes: dict[type, str | None] = {}


def node_id_attribute(node_class: type) -> str | None:
    if node_class not in _node_id_attributes:
        plain = (
            issubclass(node_class, relay.Node)
            and node_class.resolve_id.__func__ is relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
            and node_class.resolve_typename.__func__ is relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
        )
        _node_id_attributes[node_class] = node_class.resolve_id_attr() if plain else None  # type: ignore[attr-defined]
    return _node_id_attributes[node_class]


def _as_coerced(annotation: Any) -> bool:
    if isinstance(annotation, StrawberryMaybe):
        return False
    if isinstance(annotation, StrawberryOptional):
        annotation = annotation.of_type
    return annotation in AS_COERCED


def _enum_names(enum_type: CustomGraphQLEnumType) -> dict[Any, str] | None:
    """Each member's name as strawberry serialises it, or None if one of them does not."""
    members: list[Any] = list(enum_type.wrapped_cls)
    try:
        return {member: enum_type.coerce_output_value(member) for member in members}
    except (TypeError, ValueError):
        return None


def plan_for(field_def: GraphQLField, schema: StrawberrySchema) -> Plan:
    """How a field can be executed directly, or None for strawberry's own path."""
    field = field_def.extensions.get("strawberry-definition")
    if not isinstance(field, StrawberryField) or field.extensions or schema.exception_handlers:
        return None
    config = schema.config
    if field.base_resolver is None:
        if field_def.args or config.default_resolver is not getattr:
            return None
        non_null = isinstance(field_def.type, GraphQLNonNull)
        inner = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
        if isinstance(inner, CustomGraphQLEnumType) and (names := _enum_names(inner)) is not None:
            return Attribute(field.python_name, inner, non_null, inner.wrapped_cls, names)
        if is_leaf_type(inner):
            return Attribute(field.python_name, inner, non_null, as_is=AS_IS.get(inner))
        if (
            isinstance(inner, GraphQLList)
            and isinstance(inner.of_type, GraphQLNonNull)
            and is_leaf_type(inner.of_type.of_type)
        ):
            return LeafList(field.python_name, inner.of_type.of_type)
        return None
    resolver = field.base_resolver
    function = resolver.wrapped_func
    if NODE_ID is not None and getattr(function, "__func__", None) is getattr(NODE_ID.wrapped_func, "__func__", 0):
        return GlobalId()
    if not callable(function) or not all(_as_coerced(argument.type) for argument in field.arguments):
        return None
    source = resolver.root_parameter or resolver.parent_parameter
    return Method(
        function=function,
        pass_self=resolver.self_parameter is not None,
        source_parameter=source.name if source else None,
        info_parameter=resolver.info_parameter.name if resolver.info_parameter else None,
        python_names={
            config.name_converter.from_argument(argument): str(argument.python_name) for argument in field.arguments
        },
        field=field,
        info_class=config.info_class,
    )


# Where a field's plan is kept: in its own extensions, made on first use.
PLAN = "tongnan-execution-plan"


class UpstreamTolerantExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's own executor with one rule of ours, which the public API promises (README,
    For integrators: when a service is down, only the fields that need it fail). It is what
    TONGNAN_GATEWAY_EXECUTOR=strawberry runs: it overrides one graphql-core method and reads no
    strawberry internals, so it is the way back when a new strawberry breaks the fast paths."""

    def handle_field_error(
        self,
        raw_error: Exception,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> None:
        """A field that failed because a service did not answer is null with its error even where
        the schema says non-null: the fields that did not need that service keep their answers
        (a page of parts whose certification service hangs keeps its parts), rather than the
        null spreading up to the whole response. Every other error propagates as GraphQL says."""
        if isinstance(return_type, GraphQLNonNull) and isinstance(
            getattr(raw_error, "original_error", None) or raw_error, UpstreamUnavailable
        ):
            return_type = return_type.of_type
        super().handle_field_error(raw_error, return_type, field_details_list, path)


class GatewayExecutionContext(UpstreamTolerantExecutionContext):
    """The fast paths above, on top of strawberry's executor and the rule for services that did
    not answer (TONGNAN_GATEWAY_EXECUTOR=tongnan, the default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self.direct = middleware is None or not middleware.middlewares
        self.strawberry_schema: StrawberrySchema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        # A field node's arguments are the same on every item of a list within one request.
        self.arguments: dict[int, dict[str, Any]] = {}
        self.selections: dict[int, tuple[GroupedFieldSet, list[tuple[str, FieldDetailsList, Any, type]]]] = {}

    def plan(self, field_def: GraphQLField) -> Plan:
        extensions = field_def.extensions
        if PLAN not in extensions:
            extensions[PLAN] = plan_for(field_def, self.strawberry_schema)
        plan: Plan = extensions[PLAN]
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self.direct:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        # graphql-core's own loop, with plain attributes answered in place.
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan, kind in self.steps(parent_type, grouped_field_set):
                if kind is Attribute:
                    results[response_name] = self.complete_attribute(
                        plan, parent_type, source_value, field_details_list, path, response_name
                    )
                    continue
                if kind is LeafList and (items := self.leaf_list(plan, source_value)) is not None:
                    results[response_name] = items
                    continue
                if (
                    kind is GlobalId
                    and (id_attribute := node_id_attribute(type(source_value)))
                    and (node_id := getattr(source_value, id_attribute, None)) is not None
                ):
                    results[response_name] = to_base64(parent_type.name, str(node_id))
                    continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(parent_type, source_value, field_details_list, field_path, position_context)
                if result is not Undefined:
                    results[response_name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _awaited(results, awaitable_fields)

    def steps(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[tuple[str, FieldDetailsList, Any, type]]:
        """Each field of a selection with its plan and the plan's class, looked up once per request:
        graphql-core hands the same selection for every item of a list (each of a page's parts, say).
        The class is compared by identity in the loop, cheaper than an isinstance call per field."""
        key = id(grouped_field_set)
        entry = self.selections.get(key)
        if entry is None or entry[0] is not grouped_field_set:
            steps = []
            for response_name, field_details_list in grouped_field_set.items():
                field_def = parent_type.fields.get(field_details_list[0].node.name.value)
                plan = self.plan(field_def) if field_def else None
                steps.append((response_name, field_details_list, plan, type(plan)))
            entry = self.selections[key] = (grouped_field_set, steps)
        return entry[1]

    def leaf_list(self, plan: LeafList, source: Any) -> list[Any] | None:
        """The list serialised, or None for anything but a list of values (a null, a missing
        item, a value that does not serialise), which graphql-core's own path then answers."""
        value = getattr(source, plan.python_name, None)
        if type(value) is not list or None in value:
            return None
        try:
            return [self.complete_leaf_value(plan.leaf_type, item) for item in value]
        except Exception:
            return None

    def complete_attribute(
        self,
        plan: Attribute,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
    ) -> Any:
        try:
            value = getattr(source, plan.python_name)
            if type(value) is plan.as_is:
                return value
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if plan.non_null:
                    field_name = field_details_list[0].node.name.value
                    raise TypeError(f"Cannot return null for non-nullable field {parent_type.name}.{field_name}.")
                return None
            if type(value) is plan.enum_class and plan.enum_names is not None:
                return plan.enum_names[value]
            return self.complete_leaf_value(plan.leaf_type, value)
        except Exception as raw_error:
            field_def = parent_type.fields[field_details_list[0].node.name.value]
            field_path = Path(path, response_name, parent_type.name)
            self.handle_field_error(raw_error, field_def.type, field_details_list, field_path)  # raises when non-null
            return None

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any | UndefinedType:
        first = field_details_list[0]
        field_def = parent_type.fields.get(first.node.name.value)
        plan = self.plan(field_def) if self.direct and field_def is not None else None
        if not isinstance(plan, Method) or field_def is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        # graphql-core's execute_field, calling the method itself instead of strawberry's wrapper.
        return_type = field_def.type
        info = self.build_resolve_info(field_def, [d.node for d in field_details_list], parent_type, path)
        try:
            kwargs = self.method_arguments(plan, field_def, field_details_list)
            if plan.source_parameter is not None:
                kwargs[plan.source_parameter] = source
            if plan.info_parameter is not None:
                kwargs[plan.info_parameter] = plan.info_class(_raw_info=info, _field=plan.field)
            result = plan.function(source, **kwargs) if plan.pass_self else plan.function(**kwargs)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(return_type, field_details_list, info, path, result, position_context)
            if self.is_awaitable(completed):
                return self.completed_later(completed, return_type, field_details_list, path)
            return completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def method_arguments(
        self, plan: Method, field_def: GraphQLField, field_details_list: FieldDetailsList
    ) -> dict[str, Any]:
        first = field_details_list[0]
        node = first.node
        if not (field_def.args or node.arguments):
            return {}
        shared = first.fragment_variable_values is None
        coerced = self.arguments.get(id(node)) if shared else None
        if coerced is None:
            coerced = get_argument_values(
                field_def, node, self.variable_values, first.fragment_variable_values, self.hide_suggestions
            )
            if shared:
                self.arguments[id(node)] = coerced
        return {plan.python_names[name]: value for name, value in coerced.items()}

    async def completed_later(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None


async def _awaited(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    if len(awaitable_fields) == 1:
        name = awaitable_fields[0]
        results[name] = await results[name]
    else:
        awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


# TONGNAN_GATEWAY_EXECUTOR -> the execution context the schema runs queries with.
EXECUTORS: dict[str, type[StrawberryGraphQLCoreExecutionContext]] = {
    "tongnan": GatewayExecutionContext,
    "strawberry": UpstreamTolerantExecutionContext,
}


def use_executor(schema: StrawberrySchema, executor: str) -> None:
    """Run the schema's queries with the named executor. strawberry reads the class on every
    execution; the schema is one per process (relay binds its node field to one), so this is a
    choice for the process, made when its app is built from its settings."""
    schema.execution_context_class = EXECUTORS[executor]
