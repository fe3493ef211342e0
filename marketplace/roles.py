"""The roles of the marketplace, declared once.

`Role` is every caller a service may be asked by; `AccountRole` the four of them an account
holds (stored on the gateway's accounts, shown in the public API). Each account role is the
Role of the same name and value, so the two compare equal as strings, and an account's role
becomes an actor's role with `Role(account_role)`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "ANONYMOUS"  # the public: reads listed parts, verifies certificates
    BUYER = "BUYER"
    SUPPLIER = "SUPPLIER"
    INSPECTOR = "INSPECTOR"
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"  # one service calling another, or a scheduled job


class AccountRole(StrEnum):
    """The roles an account holds: Role without the public and the services, which no account is."""

    BUYER = Role.BUYER.value
    SUPPLIER = Role.SUPPLIER.value
    INSPECTOR = Role.INSPECTOR.value
    ADMIN = Role.ADMIN.value


# May act for anyone: an admin, and the platform itself.
STAFF_ROLES = frozenset({Role.ADMIN, Role.SYSTEM})
