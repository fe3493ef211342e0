"""Checks that hold for whole operations rather than single fields."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


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
