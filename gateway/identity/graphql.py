"""GraphQL face of identity: register, login, tokens, API keys, viewer."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from strawberry import relay
from strawberry.types import Info

from gateway.context import Context
from gateway.identity import password_reset, service
from gateway.identity.models import Account as AccountRecord
from gateway.identity.models import ApiKey as ApiKeyRecord
from gateway.identity.models import ApiKeyScope
from gateway.identity.owned import owned_nodes
from gateway.identity.tokens import issue_access_token
from gateway.ids import node_uuid
from gateway.mutations import mutation
from gateway.permissions import ANYONE, SIGNED_IN
from marketplace.roles import AccountRole
from services.common.errors import BadInput, Forbidden, Unauthenticated
from services.common.languages import language

log = logging.getLogger(__name__)
# Reset mails being sent after their request was answered; held so none is collected mid-way.
_outgoing: set[asyncio.Task[None]] = set()

if TYPE_CHECKING:
    from gateway.addresses.graphql import Address
    from gateway.catalog.types import Supplier

# The stored enums are the GraphQL enums: one list of roles and scopes.
Role = strawberry.enum(AccountRole, name="Role", description="What an account is, and so what it may do.")
strawberry.enum(
    ApiKeyScope, name="ApiKeyScope", description="READ keys may only query; READ_WRITE keys may also run mutations."
)

ROLE_MEANINGS = {
    "BUYER": "Buys parts: quotes, orders, payments, an address book and a garage. Registers itself.",
    "SUPPLIER": "Acts for one supplier company: lists and stocks its parts, holds certificates, ships orders, is "
    "paid. Registers itself with its company.",
    "INSPECTOR": "Platform staff who review certificates. Made by the platform, never registered.",
    "ADMIN": "Platform staff: verifies suppliers, reviews certificates, manages accounts, refunds and payouts. "
    "Made by the platform, never registered.",
}

# Members of the stored enums are the stored strings, where strawberry.enum_value cannot sit, so
# what each means is set on the built schema. AccountRole is the roles again, under the name the
# audit log's field was first resolved by.
STORED_ENUM_DESCRIPTIONS: dict[str, tuple[str | None, dict[str, str]]] = {
    "Role": (None, ROLE_MEANINGS),
    "AccountRole": ("The same roles as Role, as the audit log names them.", ROLE_MEANINGS),
    "ApiKeyScope": (
        None,
        {
            "READ": "Queries only; a mutation sent with the key is FORBIDDEN.",
            "READ_WRITE": "Queries and mutations, as the account that made the key.",
        },
    ),
}


def describe_stored_enums(graphql_schema: GraphQLSchema) -> None:
    """Set STORED_ENUM_DESCRIPTIONS on the built schema's enums of those names."""
    for type_name, (description, meanings) in STORED_ENUM_DESCRIPTIONS.items():
        enum_type = graphql_schema.get_type(type_name)
        if not isinstance(enum_type, GraphQLEnumType):
            continue
        if description is not None:
            enum_type.description = description
        for value_name, meaning in meanings.items():
            enum_type.values[value_name].description = meaning


@strawberry.type(description="A login to the exchange: a buyer, a supplier's user, or platform staff.")
class Account(relay.Node):
    id: relay.NodeID[str]
    email: str = strawberry.field(description="The e-mail address it logs in with, in lower case.")
    role: AccountRole = strawberry.field(description="What the account is, and so what it may do.")
    created_at: datetime = strawberry.field(description="When the account was registered or created.")
    disabled_at: datetime | None = strawberry.field(
        description="When an admin disabled it (every credential refused since); null while enabled."
    )
    disabled_reason: str | None = strawberry.field(description="Why it was disabled; null while enabled.")
    supplier_id: strawberry.Private[str | None]

    @strawberry.field(description="The supplier a SUPPLIER account acts for.")
    async def supplier(
        self, info: Info[Context, None]
    ) -> Annotated[Supplier, strawberry.lazy("gateway.catalog.types")] | None:
        from gateway.catalog.types import Supplier

        if self.supplier_id is None:
            return None
        data = await info.context.loaders.supplier.load(self.supplier_id)
        return Supplier.from_json(data) if data else None

    @classmethod
    def from_record(cls, record: AccountRecord) -> Account:
        return cls(
            id=str(record.id),
            email=record.email,
            role=record.role,
            created_at=record.created_at,
            disabled_at=record.disabled_at,
            disabled_reason=record.disabled_reason,
            supplier_id=str(record.supplier_id) if record.supplier_id else None,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Account | None]:
        """An account is visible to itself and to admins only."""
        principal = info.context.principal
        wanted = list(node_ids)

        def load(session: Session) -> list[Account | None]:
            found: list[Account | None] = []
            for node_id in wanted:
                record = _account_or_none(session, node_id)
                visible = (
                    principal is not None
                    and record is not None
                    and (record.id == principal.account_id or principal.role is AccountRole.ADMIN)
                )
                found.append(cls.from_record(record) if visible and record else None)
            return found

        return await info.context.in_session(load)


def _account_or_none(session: Session, node_id: str) -> AccountRecord | None:
    try:
        return session.get(AccountRecord, uuid.UUID(node_id))
    except ValueError:
        return None


@strawberry.type(description="The caller of this request, as its credential names it.")
class Viewer:
    account: Account | None = strawberry.field(description="The caller's account; null when anonymous.")

    @strawberry.field(description="Your address book (buyers), oldest first; empty when anonymous.")
    async def addresses(
        self, info: Info[Context, None]
    ) -> list[Annotated[Address, strawberry.lazy("gateway.addresses.graphql")]]:
        from gateway.addresses.graphql import viewer_addresses

        return await viewer_addresses(info)


@strawberry.type(description="A new login's tokens, or a refreshed pair, with the account they are for.")
class AuthPayload:
    token: str = strawberry.field(description="Access token (JWT) for `Authorization: Bearer ...`; short-lived.")
    refresh_token: str = strawberry.field(description="Spend once with `refreshToken` for a new pair.")
    account: Account = strawberry.field(description="The account logged in.")


@strawberry.type(
    description="A key an integrator sends as `X-API-Key` to act as the account that made it; we keep only its hash."
)
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The name it was given, to tell keys apart.")
    scope: ApiKeyScope = strawberry.field(description="Whether it may run mutations.")
    created_at: datetime = strawberry.field(description="When it was made.")
    last_used_at: datetime | None = strawberry.field(description="When it last authenticated a request; null if never.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it works.")

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKey:
        return cls(
            id=str(record.id),
            name=record.name,
            scope=record.scope,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            revoked_at=record.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        """An API key is visible to its owner only."""
        return await owned_nodes(info, ApiKeyRecord, node_ids, cls.from_record)


@strawberry.type(description="A new API key: the key itself, shown this once, and its record.")
class ApiKeyPayload:
    key: str = strawberry.field(description="The key itself. Shown only here, once; we keep only its hash.")
    api_key: ApiKey = strawberry.field(description="The key's record; its id revokes it.")


@strawberry.input(
    description="The company a SUPPLIER account registers with; an admin verifies it before it lists parts."
)
class SupplierInput:
    name_en: str = strawberry.field(description="The company's name in English, 2 to 200 characters.")
    name_zh: str = strawberry.field(description="The company's registered name in Chinese, 2 to 200 characters.")
    uscc: str = strawberry.field(description="Unified Social Credit Code (18 characters, GB 32100-2015).")


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str = strawberry.field(description="The e-mail address to log in with; one account per address.")
    password: str = strawberry.field(
        description="10 to 256 characters, not easily guessed (zxcvbn, also from the e-mail address and the company's "
        "names); else BAD_USER_INPUT naming it, with reason PASSWORD_LENGTH or PASSWORD_WEAK."
    )
    role: AccountRole = strawberry.field(description="BUYER or SUPPLIER; staff roles are never registered.")
    supplier: SupplierInput | None = strawberry.field(
        default=None, description="The company: required for a SUPPLIER, refused for a BUYER."
    )


def _auth_payload(
    context: Context, session: Session, account: AccountRecord, rotated: tuple[str, uuid.UUID] | None = None
) -> AuthPayload:
    """Tokens for `account`: a new login's, or with `rotated` (a refresh token and its login) one's going on."""
    settings = context.settings
    if rotated is None:
        login_id = uuid.uuid4()
        refresh_token = service.issue_refresh_token(
            session, account, ttl_days=settings.refresh_token_ttl_days, family_id=login_id
        )
    else:
        refresh_token, login_id = rotated
    return AuthPayload(
        token=issue_access_token(
            account,
            settings.jwt_secret.get_secret_value(),
            ttl_seconds=settings.access_token_ttl_seconds,
            login_id=login_id,
        ),
        refresh_token=refresh_token,
        account=Account.from_record(account),
    )


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The caller: null fields when anonymous.")
    async def viewer(self, info: Info[Context, None]) -> Viewer:
        principal = info.context.principal
        if principal is None:
            return Viewer(account=None)

        def load(session: Session) -> Account | None:
            record = session.get(AccountRecord, principal.account_id)
            return Account.from_record(record) if record else None

        return Viewer(account=await info.context.in_session(load))


@strawberry.type
class IdentityMutation:
    @mutation(
        allow=ANYONE,
        description="Create a BUYER account, or a SUPPLIER account with its company (checked USCC), and log it in.",
    )
    async def register(
        self,
        info: Info[Context, None],
        input: Annotated[RegisterInput, strawberry.argument(description="The account to create.")],
    ) -> AuthPayload:
        context = info.context
        role = input.role
        if role not in service.SELF_REGISTERED_ROLES:
            raise BadInput("only BUYER or SUPPLIER accounts can be registered", field="input.role")
        if role is AccountRole.SUPPLIER and input.supplier is None:
            raise BadInput("a SUPPLIER account needs its company", field="input.supplier")
        if role is not AccountRole.SUPPLIER and input.supplier is not None:
            raise BadInput("only SUPPLIER accounts have a supplier", field="input.supplier")
        # Words a guesser would try first, besides the e-mail address.
        personal = (
            [input.supplier.name_en, input.supplier.name_zh, input.supplier.uscc] if input.supplier is not None else []
        )
        # Everything that can be refused locally is refused before the catalog is asked.
        await context.in_session(
            lambda session: service.check_registration(
                session, email=input.email, password=input.password, role=role, personal=personal
            )
        )
        supplier_id: uuid.UUID | None = None
        if input.supplier is not None:
            created = await context.clients.catalog.post_json(
                "/suppliers",
                {"name_en": input.supplier.name_en, "name_zh": input.supplier.name_zh, "uscc": input.supplier.uscc},
                headers=context.system_headers(),
            )
            supplier_id = uuid.UUID(created["id"])

        def work(session: Session) -> AuthPayload:
            account = service.register(
                session,
                email=input.email,
                password=input.password,
                role=role,
                supplier_id=supplier_id,
                personal=personal,
            )
            account.locale = language(context.locale)
            return _auth_payload(context, session, account)

        return await context.in_session(work)

    @mutation(
        allow=ANYONE,
        description="Log in with e-mail address and password. Wrong either way: UNAUTHENTICATED, without saying "
        "which. Repeated failures per address and client: RATE_LIMITED for a while.",
    )
    async def login(
        self,
        info: Info[Context, None],
        email: Annotated[str, strawberry.argument(description="The account's e-mail address, in any capitals.")],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> AuthPayload:
        context = info.context
        key = service.login_key(email)
        await context.throttle.check(key, context.client_address)

        def work(session: Session) -> AuthPayload:
            account = service.authenticate(session, email=email, password=password)
            # Mail is written in the language the account last signed in with.
            if account.locale != language(context.locale):
                account.locale = language(context.locale)
            return _auth_payload(context, session, account)

        try:
            payload = await context.in_session(work)
        except Unauthenticated:
            await context.throttle.failed(key, context.client_address)
            raise
        await context.throttle.succeeded(key, context.client_address)
        return payload

    @mutation(
        allow=ANYONE,
        description="Send a link to set a new password to this e-mail address, in the caller's language"
        " (Accept-Language). Always true: whether the address has an account is never told. Throttled per"
        " address and client like login (RATE_LIMITED).",
    )
    async def request_password_reset(
        self,
        info: Info[Context, None],
        email: Annotated[str, strawberry.argument(description="The account's e-mail address.")],
    ) -> bool:
        context = info.context
        settings = context.settings
        key = email.strip().lower()
        await context.reset_throttle.check(key, context.client_address)
        await context.reset_throttle.failed(key, context.client_address)
        link = await context.in_session(
            lambda session: password_reset.request_reset(
                session,
                email=email,
                locale=context.locale,
                ttl_minutes=settings.password_reset_ttl_minutes,
                secret=settings.jwt_secret.get_secret_value(),
            )
        )
        if link is not None:
            message = password_reset.reset_message(
                link,
                sender=settings.mail_from,
                shop_origin=settings.shop_origin,
                ttl_minutes=settings.password_reset_ttl_minutes,
            )
            task = asyncio.get_running_loop().create_task(_send_later(context, message))
            _outgoing.add(task)
            task.add_done_callback(_outgoing.discard)
        return True

    @mutation(
        allow=ANYONE,
        description="Set a new password with the token of a reset link. The link works once and expires; using"
        " it ends every login of the account. An invalid, used or expired token is BAD_USER_INPUT on `token`,"
        " a weak password on `newPassword`.",
    )
    async def reset_password(
        self,
        info: Info[Context, None],
        token: Annotated[str, strawberry.argument(description="The token from the reset link.")],
        new_password: Annotated[
            str, strawberry.argument(description="The new password, held to the rules of registration.")
        ],
    ) -> bool:
        context = info.context
        secret = context.settings.jwt_secret.get_secret_value()
        await context.in_session(
            lambda session: password_reset.reset_password(
                session, token=token, new_password=new_password, secret=secret
            )
        )
        return True

    @mutation(
        allow=ANYONE,
        description="Spend a refresh token for a new access token and refresh token. Each is good once: "
        "one spent twice ends every session of its login.",
    )
    async def refresh_token(
        self,
        info: Info[Context, None],
        refresh_token: Annotated[
            str,
            strawberry.argument(
                description="The refresh token of the last pair; invalid, revoked or expired: UNAUTHENTICATED."
            ),
        ],
    ) -> AuthPayload:
        context = info.context

        def work(session: Session) -> AuthPayload:
            account, rotated, login_id = service.rotate_refresh_token(
                session, refresh_token, ttl_days=context.settings.refresh_token_ttl_days
            )
            return _auth_payload(context, session, account, (rotated, login_id))

        try:
            return await context.in_session(work)
        except service.RefreshTokenReused as reused:
            family = reused.family_id
            await context.in_session(lambda session: service.revoke_refresh_family(session, family))
            raise

    @mutation(
        allow=SIGNED_IN,
        description="A named API key for an integrator, READ_WRITE unless asked otherwise. The key is shown once.",
    )
    async def create_api_key(
        self,
        info: Info[Context, None],
        name: Annotated[str, strawberry.argument(description="A name to tell the key apart by.")],
        scope: Annotated[
            ApiKeyScope | None, strawberry.argument(description="What the key may do; READ_WRITE when none.")
        ] = None,
    ) -> ApiKeyPayload:
        principal = info.context.require_principal()

        def work(session: Session) -> ApiKeyPayload:
            account = session.get(AccountRecord, principal.account_id)
            if account is None:
                raise Forbidden("account no longer exists")
            created = service.create_api_key(session, account, name=name, scope=scope or ApiKeyScope.READ_WRITE)
            return ApiKeyPayload(key=created.key, api_key=ApiKey.from_record(created.record))

        return await info.context.in_session(work)

    @mutation(
        allow=SIGNED_IN,
        description="Revoke one of your API keys; it stops working at once.",
    )
    async def revoke_api_key(
        self,
        info: Info[Context, None],
        id: Annotated[relay.GlobalID, strawberry.argument(description="The API key's global id.")],
    ) -> ApiKey:
        principal = info.context.require_principal()
        key_id = uuid.UUID(node_uuid(id, "ApiKey", field="id"))

        def work(session: Session) -> ApiKey:
            return ApiKey.from_record(service.revoke_api_key(session, principal, key_id))

        return await info.context.in_session(work)


async def _send_later(context: Context, message: EmailMessage) -> None:
    try:
        await run_in_threadpool(context.settings.smtp.send, message)
    except Exception:  # the person is not waiting on it; they can ask for the link again
        log.exception("password reset mail to %s could not be sent", message["To"])
