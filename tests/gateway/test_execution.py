"""The gateway's executor answers exactly as strawberry's own would, only faster.

Every query here runs twice, once through strawberry's execution context and once through
gateway.execution's, and the two answers (data, errors, their paths) must be equal.
"""

from __future__ import annotations

import asyncio
import datetime
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from gateway.execution import EXECUTORS, Attribute, GatewayExecutionContext, GlobalId, LeafList, Method, plan_for
from gateway.schema import schema as gateway_schema
from services.common.errors import UpstreamUnavailable


@strawberry.enum
class Status(Enum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"


@strawberry.type
class Price:
    amount: int
    currency: str


@strawberry.input
class Window:
    days: int


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item(relay.Node):
    id: relay.NodeID[str]
    sku: str
    status: Status
    valid_until: datetime.date
    tags: list[str]
    note: str | None = None
    must: str = "x"  # set to None by a test: a non-null attribute gone missing

    @strawberry.field
    def title(self, locale: str | None = None) -> str:
        return f"{self.sku}:{locale or 'en'}"

    @strawberry.field
    def price(self, info: Info, currency: str = "CNY") -> Price:
        return Price(amount=100 * len(currency), currency=currency)

    @strawberry.field
    async def later(self, n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    @strawberry.field
    def broken(self, why: str) -> str | None:
        raise ValueError(f"broken: {why}")

    @strawberry.field
    def broken_required(self) -> str:
        raise ValueError("required and broken")

    @strawberry.field
    def expiring(self, within: Window) -> bool:
        return within.days > 30

    @strawberry.field(permission_classes=[Never])
    def secret(self) -> str:
        return "secret"


@strawberry.type
class Batch(relay.Node):
    """A Node that makes its ids its own way: relay's machinery must be asked."""

    code: relay.NodeID[str]

    @classmethod
    def resolve_id(cls, root: Batch, *, info: Info) -> str:
        return f"batch-{root.code.lower()}"


def item(n: int) -> Item:
    return Item(
        id=str(n),
        sku=f"SKU-{n}",
        status=Status.VALID if n % 2 else Status.EXPIRED,
        valid_until=datetime.date(2027, 1, n),
        tags=[f"t{n}", "all"],
        note=None if n % 2 else f"note {n}",
    )


ITEMS = {str(n): item(n) for n in range(1, 6)}


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return list(ITEMS.values())

    @strawberry.field
    def batches(self) -> list[Batch]:
        return [Batch(code="A1"), Batch(code="B2")]

    @strawberry.field
    def damaged(self) -> list[Item] | None:
        broken = item(9)
        broken.must = None  # type: ignore[assignment]
        return [item(8), broken]

    @strawberry.field
    def strays(self) -> list[Item | None]:
        """Enum attributes holding a bare value, and a value the enum does not have."""
        bare, lost = item(10), item(11)
        bare.status = "EXPIRED"  # type: ignore[assignment]
        lost.status = "LOST"  # type: ignore[assignment]
        return [item(1), bare, lost]

    @strawberry.field
    def gappy(self) -> list[Item] | None:
        gap = item(7)
        gap.tags = ["t7", None]  # type: ignore[list-item]
        return [item(6), gap]


class Shouting(SchemaExtension):
    """A schema extension that wraps every field (middleware): the direct path must step aside."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


def both(query: str, variables: dict[str, Any] | None = None, extensions: list[Any] | None = None) -> Any:
    answers = []
    for execution_context_class in (StrawberryGraphQLCoreExecutionContext, GatewayExecutionContext):
        schema = strawberry.Schema(
            query=Query, execution_context_class=execution_context_class, extensions=extensions or []
        )
        result = schema.execute_sync(query, variable_values=variables)
        answers.append(
            (
                result.data,
                [
                    (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
                    for e in result.errors or []
                ],
            )
        )
    assert answers[0] == answers[1]
    return answers[1]


QUERY = """
query Items($currency: String!) {
  items {
    id sku status validUntil tags note title zh: title(locale: "zh")
    price(currency: $currency) { amount currency }
    usd: price(currency: "USD") { amount }
    plain: price { amount currency }
    ... on Item { must expiring(within: { days: 45 }) }
  }
}
"""


def test_a_listing_is_answered_the_same() -> None:
    data, errors = both(QUERY, {"currency": "EUR"})
    assert errors == []
    first = data["items"][0]
    assert first["id"] == str(relay.GlobalID("Item", "1"))
    assert first["status"] == "VALID" and first["validUntil"] == "2027-01-01"
    assert first["zh"] == "SKU-1:zh" and first["title"] == "SKU-1:en"
    assert (first["price"], first["usd"], first["plain"]) == (
        {"amount": 300, "currency": "EUR"},
        {"amount": 300},
        {"amount": 300, "currency": "CNY"},
    )
    assert [i["note"] for i in data["items"]] == [None, "note 2", None, "note 4", None]


def test_a_node_with_its_own_ids_keeps_them() -> None:
    data, errors = both("{ batches { id } items { id } }")
    assert errors == []
    assert data["batches"][0]["id"] == str(relay.GlobalID("Batch", "batch-a1"))
    assert data["items"][1]["id"] == str(relay.GlobalID("Item", "2"))


def test_meta_fields_and_introspection_are_answered_the_same() -> None:
    data, errors = both('{ items { __typename sku } __type(name: "Item") { fields { name } } }')
    assert errors == []
    assert data["items"][0] == {"__typename": "Item", "sku": "SKU-1"}
    assert {"name": "validUntil"} in data["__type"]["fields"]


def test_async_methods_are_answered_the_same() -> None:
    async def run(execution_context_class: type) -> Any:
        schema = strawberry.Schema(query=Query, execution_context_class=execution_context_class)
        result = await schema.execute("{ items { later(n: 21) } }")
        return result.data, result.errors

    ours = asyncio.run(run(GatewayExecutionContext))
    assert ours == asyncio.run(run(StrawberryGraphQLCoreExecutionContext))
    assert ours[0]["items"][0] == {"later": 42}


def test_errors_land_on_the_same_paths() -> None:
    data, errors = both('{ items { sku broken(why: "no stock") } damaged { sku must } }')
    assert data["items"][0] == {"sku": "SKU-1", "broken": None}
    assert data["damaged"] is None  # a non-null field gone null nulls the list of non-null items
    messages = {(message, tuple(path)) for message, path, _ in errors}
    assert ("broken: no stock", ("items", 0, "broken")) in messages
    assert ("Cannot return null for non-nullable field Item.must.", ("damaged", 1, "must")) in messages


def test_a_list_of_scalars_with_a_gap_fails_the_same_way() -> None:
    data, errors = both("{ items { tags } gappy { sku tags } }")
    assert data["items"][0]["tags"] == ["t1", "all"]
    assert data["gappy"] is None
    assert errors[0][:2] == ("Cannot return null for non-nullable field Item.tags.", ["gappy", 1, "tags", 1])


def test_enum_values_serialise_the_same_way_members_or_not() -> None:
    data, errors = both("{ items { status } strays { sku status } }")
    assert [i["status"] for i in data["items"]] == ["VALID", "EXPIRED", "VALID", "EXPIRED", "VALID"]
    assert data["strays"][:2] == [{"sku": "SKU-1", "status": "VALID"}, {"sku": "SKU-10", "status": "EXPIRED"}]
    assert data["strays"][2] is None and errors[0][1] == ["strays", 2, "status"]


def test_a_failing_required_method_nulls_its_parent_the_same_way() -> None:
    data, errors = both("{ items { sku brokenRequired } }")
    assert data is None
    assert errors[0][:2] == ("required and broken", ["items", 0, "brokenRequired"])


def test_permission_classes_and_middleware_keep_strawberrys_path() -> None:
    data, errors = both("{ items { sku secret } }")
    assert data is None and errors[0][0] == "not for you"
    data, errors = both("{ items { sku title } }", extensions=[Shouting])
    assert data["items"][0] == {"sku": "SKU-1", "title": "SKU-1:EN"}


def test_the_listing_fields_of_the_gateway_take_the_direct_path() -> None:
    types = gateway_schema._schema.type_map

    def plan(type_name: str, field_name: str) -> Any:
        return plan_for(types[type_name].fields[field_name], gateway_schema)  # type: ignore[attr-defined]

    for type_name, field_name in [("Part", "sku"), ("Money", "amount"), ("Certificate", "status")]:
        assert isinstance(plan(type_name, field_name), Attribute), (type_name, field_name)
    assert isinstance(plan("Eligibility", "missingSchemes"), LeafList)
    for type_name, field_name in [("Part", "title"), ("Part", "price"), ("Part", "eligibility")]:
        assert isinstance(plan(type_name, field_name), Method), (type_name, field_name)
    for type_name in ("Part", "Supplier", "Certificate", "Order"):
        assert isinstance(plan(type_name, "id"), GlobalId), type_name
    # An input object as argument is converted by strawberry: its path.
    assert plan("Mutation", "createQuote") is None


@pytest.mark.parametrize("variables", [{"currency": "EUR"}, {"currency": "JPY"}])
def test_variables_are_read_per_request(variables: dict[str, Any]) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    result = schema.execute_sync(QUERY, variable_values=variables)
    assert {i["price"]["currency"] for i in result.data["items"]} == {variables["currency"]}  # type: ignore[index]


@strawberry.type
class Shelf:
    sku: str

    @strawberry.field
    def price(self) -> Price:
        """Non-null, and its service is down."""
        raise UpstreamUnavailable("the orders service is unavailable")


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return [Shelf(sku="A"), Shelf(sku="B")]


@pytest.mark.parametrize("execution_context_class", list(EXECUTORS.values()))
def test_both_settings_keep_a_field_whose_service_is_down_to_itself(execution_context_class: type) -> None:
    """TONGNAN_GATEWAY_EXECUTOR=strawberry keeps the rule the public API promises, where plain
    strawberry would null the whole list for one non-null field."""
    query = "{ shelves { sku price { amount } } }"
    plain = strawberry.Schema(query=ShelfQuery).execute_sync(query)
    assert plain.data is None
    result = strawberry.Schema(query=ShelfQuery, execution_context_class=execution_context_class).execute_sync(query)
    assert result.data == {"shelves": [{"sku": "A", "price": None}, {"sku": "B", "price": None}]}
    assert [e.path for e in result.errors or []] == [["shelves", 0, "price"], ["shelves", 1, "price"]]
