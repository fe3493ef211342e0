"""Tables of the gateway's own database: identity and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from marketplace.roles import AccountRole
from services.common.clock import UtcDateTime, utcnow
from services.common.db import service_registry


class GatewayTable(SQLModel, registry=service_registry()):
    """Base of every gateway table: its own MetaData, so its migrations see only its tables."""


class ApiKeyScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


def _enum_column(enum: type[StrEnum], *, name: str) -> Column[str]:
    """Stored as its string value in a VARCHAR, on SQLite and PostgreSQL alike. `name` is the type's
    name in the migrations, pinned so that renaming or moving the Python class changes no schema."""
    return Column(
        SAEnum(
            enum,
            name=name,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        nullable=False,
    )


class Account(GatewayTable, table=True):
    __tablename__ = "accounts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored lower-cased: one account per mailbox whatever the capitals.
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    password_hash: str = Field(max_length=255)
    role: AccountRole = Field(sa_column=_enum_column(AccountRole, name="accountrole"))
    # The catalog supplier this account acts for (role SUPPLIER only); no FK across databases.
    supplier_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The language the account's mail is written in (en, zh, de): the shop's page language at
    # registration and at each sign-in.
    locale: str = Field(default="en", sa_column=Column(String(5), nullable=False, server_default="en"))
    # Set by an admin: every credential of the account is refused from the next request on
    # (checked with the login on each request, gateway/identity/service.py), until re-enabled.
    disabled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    disabled_reason: str | None = Field(default=None, max_length=1000)


class RefreshToken(GatewayTable, table=True):
    __tablename__ = "refresh_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    # SHA-256 of the opaque token; the token itself is shown once.
    token_hash: str = Field(max_length=64, unique=True)
    # Every token rotated from one login shares its family: a token spent twice means one of them
    # leaked, and the whole family is revoked.
    family_id: uuid.UUID = Field(index=True)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ApiKey(GatewayTable, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    name: str = Field(max_length=100)
    # The public part of the key, for lookup; the secret part is kept only as a hash.
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    scope: ApiKeyScope = Field(sa_column=_enum_column(ApiKeyScope, name="apikeyscope"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PasswordReset(GatewayTable, table=True):
    """A password reset link sent by e-mail: good once, until it expires. Only the token's
    keyed hash is kept, so the table alone opens no account."""

    __tablename__ = "password_resets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    # Set when the link is used, or when another reset of the account made it void.
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class SentMail(GatewayTable, table=True):
    """One e-mail per event: the row is claimed before the message goes out, so a redelivered
    event (or a second worker) finds it and sends nothing again."""

    __tablename__ = "sent_mails"

    event_id: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=254)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Address(GatewayTable, table=True):
    """One entry of a buyer's address book, normalized for its country (gateway/addresses/rules.py).
    An order copies the address it ships to, so editing or deleting an entry changes no order."""

    __tablename__ = "addresses"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    name: str = Field(max_length=200)
    company_name: str = Field(default="", max_length=200)
    street_address: str = Field(max_length=400)
    city: str = Field(max_length=200)
    city_area: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=200)
    sorting_code: str = Field(default="", max_length=200)
    country_area: str = Field(default="", max_length=200)
    country_code: str = Field(max_length=2)
    phone: str = Field(default="", max_length=40)
    vat_number: str = Field(default="", max_length=40)
    eori_number: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AuditEntry(GatewayTable, table=True):
    """One action of the platform's staff: who, what (the mutation and its subject), when, why.
    Written by gateway/audit.py only, never changed or deleted."""

    __tablename__ = "audit_log"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    actor_id: uuid.UUID = Field(index=True)
    # Kept as it was at the time: the record stays readable whatever becomes of the account.
    actor_email: str = Field(max_length=254)
    actor_role: str = Field(max_length=16)
    # The GraphQL mutation, e.g. approveCertificate.
    action: str = Field(max_length=60, index=True)
    # The global id of what it acted on (Certificate:..., Account:...).
    subject_id: str = Field(max_length=200, index=True)
    reason: str = Field(max_length=1000)
