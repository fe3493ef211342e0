"""The address book's rules: a buyer keeps its own addresses and sees no one else's.

No web framework here; callers pass a session and get typed errors.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, func, select

from gateway.addresses.rules import PostalAddress
from gateway.identity.models import Address
from gateway.identity.tokens import Principal
from marketplace.roles import AccountRole
from services.common.clock import utcnow
from services.common.errors import BadInput, Forbidden, NotFound

# Far more than a workshop or a fleet ships to; a bound, so one account cannot fill the table.
MAX_ADDRESSES = 50


def _require_buyer(principal: Principal) -> None:
    if principal.role is not AccountRole.BUYER:
        raise Forbidden("only buyers keep an address book")


def list_addresses(session: Session, principal: Principal) -> list[Address]:
    return list(
        session.exec(
            select(Address)
            .where(Address.account_id == principal.account_id)
            .order_by(col(Address.created_at), col(Address.id))
        )
    )


def get_address(session: Session, principal: Principal, address_id: uuid.UUID, *, field: str) -> Address:
    """One of the caller's addresses; someone else's answers as one that is not there."""
    address = session.get(Address, address_id)
    if address is None or address.account_id != principal.account_id:
        raise NotFound("no such address in your address book", field=field)
    return address


def create_address(session: Session, principal: Principal, checked: PostalAddress) -> Address:
    """A new entry; the same address sent again (a retried request, or typed again at checkout)
    answers with the entry already in the book rather than a duplicate."""
    _require_buyer(principal)
    lines = checked.as_dict()
    same = select(Address).where(
        Address.account_id == principal.account_id,
        *(getattr(Address, key) == value for key, value in lines.items()),
    )
    existing = session.exec(same).first()
    if existing is not None:
        return existing
    count = session.exec(select(func.count()).where(Address.account_id == principal.account_id)).one()
    if count >= MAX_ADDRESSES:
        raise BadInput(f"an address book holds at most {MAX_ADDRESSES} addresses; delete one first", field="input")
    address = Address.model_validate({"account_id": principal.account_id, **lines})
    session.add(address)
    session.flush()
    return address


def update_address(session: Session, principal: Principal, address_id: uuid.UUID, checked: PostalAddress) -> Address:
    """Replaces every line of the entry. Orders placed earlier keep the copy they were placed with."""
    _require_buyer(principal)
    address = get_address(session, principal, address_id, field="id")
    for key, value in checked.as_dict().items():
        setattr(address, key, value)
    address.updated_at = utcnow()
    session.add(address)
    session.flush()
    return address


def delete_address(session: Session, principal: Principal, address_id: uuid.UUID) -> bool:
    """True when the entry was deleted now, False when it was already gone (a retried delete)."""
    _require_buyer(principal)
    address = session.get(Address, address_id)
    if address is None:
        return False
    if address.account_id != principal.account_id:
        raise NotFound("no such address in your address book", field="id")
    session.delete(address)
    session.flush()
    return True


def snapshot(address: Address) -> dict[str, str]:
    """The copy an order keeps of the address it ships to."""
    return {
        "name": address.name,
        "company_name": address.company_name,
        "street_address": address.street_address,
        "city": address.city,
        "city_area": address.city_area,
        "postal_code": address.postal_code,
        "sorting_code": address.sorting_code,
        "country_area": address.country_area,
        "country_code": address.country_code,
        "phone": address.phone,
        "vat_number": address.vat_number,
        "eori_number": address.eori_number,
    }
