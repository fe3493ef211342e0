"""The public GraphQL schema, composed from one module per domain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext, Info
from strawberry.utils.await_maybe import await_maybe

from gateway.addresses.graphql import AddressMutation
from gateway.audit_log import AuditLogQuery
from gateway.catalog.mutations import CatalogMutation
from gateway.catalog.queries import CatalogQuery
from gateway.catalog.vehicles import VehicleMutation, VehicleQuery
from gateway.catalog.verification import SupplierVerificationMutation
from gateway.certification.schema import CertificationMutation, CertificationQuery
from gateway.context import Context
from gateway.dead_letters import DeadLettersMutation, DeadLettersQuery
from gateway.errors import NamedValueErrors, log_unexpected
from gateway.execution import GatewayExecutionContext
from gateway.identity.graphql import IdentityMutation, IdentityQuery, describe_stored_enums
from gateway.identity.people import PeopleMutation, PeopleQuery
from gateway.ids import decode_global_id, node_type
from gateway.kept_answers import KeepAnswers
from gateway.limits import QueryCostLimiter
from gateway.operation_log import OperationLog
from gateway.orders.disputes import DisputesQuery
from gateway.orders.estimates import EstimatesQuery
from gateway.orders.money_back import MoneyBackQuery
from gateway.orders.part_returns import PartReturnsMutation
from gateway.orders.payouts import PayoutsMutation
from gateway.orders.schema import OrdersMutation, OrdersQuery
from gateway.orders.screening import ScreeningMutation, ScreeningQuery
from gateway.orders.settlements import SettlementsQuery
from gateway.orders.webhooks import WebhooksMutation, WebhooksQuery
from gateway.permissions import ReadOnlyApiKeys

MAX_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 5000


@strawberry.type(description="Everything an integrator can read; each field says who may read it.")
class Query(
    CatalogQuery,
    VehicleQuery,
    CertificationQuery,
    OrdersQuery,
    EstimatesQuery,
    SettlementsQuery,
    MoneyBackQuery,
    DisputesQuery,
    ScreeningQuery,
    WebhooksQuery,
    DeadLettersQuery,
    IdentityQuery,
    PeopleQuery,
    AuditLogQuery,
):
    @strawberry.field(description="Any object by its global id.")
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The ID of the object.")],
    ) -> relay.Node | None:
        # Decoded by our own helper rather than relay's: a malformed id, or one of no type
        # here, is the client's mistake and answered BAD_USER_INPUT, not a server error.
        gid = decode_global_id(id, field="id")
        return await await_maybe(node_type(info, gid, field="id").resolve_node(gid.node_id, info=info, required=False))

    @strawberry.field(description="The API's version; a cheap liveness probe for integrators.")
    def api_version(self) -> str:
        return "2026-11"


@strawberry.type(description="Everything an integrator can change; each mutation says who may call it.")
class Mutation(
    CatalogMutation,
    SupplierVerificationMutation,
    VehicleMutation,
    CertificationMutation,
    OrdersMutation,
    PartReturnsMutation,
    PayoutsMutation,
    ScreeningMutation,
    WebhooksMutation,
    DeadLettersMutation,
    IdentityMutation,
    AddressMutation,
    PeopleMutation,
):
    pass


# The depth and alias rules are classes made once: strawberry's validation cache keys on the
# rule classes, so building them per request (as the factories would) misses it every time.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_unexpected(errors)


# Built once per process: relay's node field can be bound to one schema only.
schema = GatewaySchema(
    query=Query,
    mutation=Mutation,
    execution_context_class=GatewayExecutionContext,
    extensions=[
        # Factories: strawberry builds fresh extension instances for each request.
        ReadOnlyApiKeys,
        lambda: AddValidationRules(LIMIT_RULES),
        NamedValueErrors,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        QueryCostLimiter,
        OperationLog,
        KeepAnswers,
    ],
)
describe_stored_enums(schema._schema)
