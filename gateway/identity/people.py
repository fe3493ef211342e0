"""People, as admins manage them: accounts listed by role and address, disabled and enabled
again, each with a reason that the audit log keeps."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from sqlmodel import Session
from strawberry.types import Info

from gateway import audit
from gateway.context import Context
from gateway.identity import service
from gateway.identity.graphql import Account
from gateway.ids import global_id, node_uuid
from gateway.mutations import mutation
from gateway.permissions import ADMINS
from gateway.types import PageAfter, PageInfo, PageSize
from marketplace.roles import AccountRole
from services.common.pagination import encode_cursor, page_size


@strawberry.type(description="One account in a page of results, with its cursor.")
class AccountEdge:
    node: Account = strawberry.field(description="The account.")
    cursor: str = strawberry.field(
        description="Opaque position of this account; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of accounts, by e-mail address A to Z.")
class AccountConnection:
    edges: list[AccountEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


ADMINS_ONLY = ADMINS.refusing("only admins manage accounts")


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="Every account, by e-mail address A to Z. Admins only.")
    async def accounts(
        self,
        info: Info[Context, None],
        role: Annotated[AccountRole | None, strawberry.argument(description="Only accounts of this role.")] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Part of the e-mail address, in any capitals.")
        ] = None,
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> AccountConnection:
        context = info.context
        ADMINS_ONLY.check(context)
        size = page_size(first)

        def load(session: Session) -> AccountConnection:
            rows, has_next, end = service.list_accounts(session, role=role, search=search, first=size, after=after)
            edges = [AccountEdge(node=Account.from_record(r), cursor=encode_cursor([r.email])) for r in rows]
            return AccountConnection(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end))

        return await context.in_session(load)


@strawberry.type
class PeopleMutation:
    @mutation(
        allow=ADMINS_ONLY,
        description="Disable an account: from its next request on, its access tokens, refresh tokens and API "
        "keys are refused (UNAUTHENTICATED, reason ACCOUNT_DISABLED), and so is its login; its logins are "
        "ended. Admins only, never their own account; `reason` is required (BAD_USER_INPUT naming it). "
        "Disabling a disabled account changes nothing.",
    )
    async def disable_account(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The account's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why, kept in the audit log; blank: BAD_USER_INPUT.")],
    ) -> Account:
        context = info.context
        account_id = uuid.UUID(node_uuid(id, "Account", field="id"))
        why = audit.require_reason(reason)
        admin = context.require_principal()

        def work(session: Session) -> Account:
            account, changed = service.disable_account(session, admin, account_id, why)
            if changed:
                audit.record_in(session, admin, "disableAccount", global_id("Account", str(account.id)), why)
            return Account.from_record(account)

        return await context.in_session(work)

    @mutation(
        allow=ADMINS_ONLY,
        description="Enable a disabled account again: it may sign in, and its API keys work again. Admins "
        "only; `reason` is required. Enabling an enabled account changes nothing.",
    )
    async def enable_account(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The account's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why, kept in the audit log; blank: BAD_USER_INPUT.")],
    ) -> Account:
        context = info.context
        account_id = uuid.UUID(node_uuid(id, "Account", field="id"))
        why = audit.require_reason(reason)
        admin = context.require_principal()

        def work(session: Session) -> Account:
            account, changed = service.enable_account(session, admin, account_id)
            if changed:
                audit.record_in(session, admin, "enableAccount", global_id("Account", str(account.id)), why)
            return Account.from_record(account)

        return await context.in_session(work)
