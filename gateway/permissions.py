"""Who may run what: a permission each mutation declares (and queries check), and the checks that
hold for whole operations rather than single fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from marketplace.roles import AccountRole
from services.common.errors import Forbidden

if TYPE_CHECKING:
    from gateway.context import Context


class ReadOnlyApiKeys(SchemaExtension):
    """A READ-scoped API key may run queries only; any mutation it sends is FORBIDDEN."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        principal = getattr(context, "principal", None)
        if (
            principal is not None
            and not principal.may_write
            and self.execution_context.operation_type is OperationType.MUTATION
        ):
            self.execution_context.result = None
            raise GraphQLError(
                "this API key may only read; create a READ_WRITE key for mutations",
                extensions={"code": "FORBIDDEN"},
            )
        yield


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may run a mutation: anyone, any account that logged in (or sent a key), or accounts
    of the named roles only."""

    login: bool = True
    roles: frozenset[AccountRole] | None = None
    refusal: str = "your account may not do this"

    def refusing(self, refusal: str) -> Permission:
        """The same permission, saying `refusal` to the roles it leaves out."""
        return replace(self, refusal=refusal)

    def allows(self, context: Context) -> bool:
        if not self.login:
            return True
        principal = context.principal
        return principal is not None and (self.roles is None or principal.role in self.roles)

    def check(self, context: Context) -> None:
        """UNAUTHENTICATED for a login it needs and lacks, FORBIDDEN for a role it leaves out."""
        if self.login:
            context.require_principal()
        if not self.allows(context):
            raise Forbidden(self.refusal)


# Register, login and their kin: the caller has no account yet, or has lost its password.
ANYONE = Permission(login=False)
SIGNED_IN = Permission()
ADMINS = Permission(roles=frozenset({AccountRole.ADMIN}), refusal="this is for admins")
SUPPLIERS = Permission(roles=frozenset({AccountRole.SUPPLIER}), refusal="this is for supplier accounts")
