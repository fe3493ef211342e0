"""The mutations' base: service field names renamed to the client's argument paths, and the
declared permission (the API tests show both through real mutations)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from gateway.mutations import renamed_field
from gateway.permissions import ADMINS, ANYONE, SIGNED_IN
from marketplace.roles import AccountRole
from services.common.errors import Forbidden, Unauthenticated

NAMES = {"bank_name": "input.bankName", "batch_ids": "batchIds"}


@pytest.mark.parametrize(
    ("field", "renamed"),
    [
        ("bank_name", "input.bankName"),
        ("batch_ids.2", "batchIds.2"),
        ("batch_ids", "batchIds"),
        ("iban", "iban"),  # a name the mutation does not rename stays
        ("bank_name_extra", "bank_name_extra"),  # only a whole name or the head of a path
        (None, None),
    ],
)
def test_a_service_field_is_named_as_the_client_named_it(field: str | None, renamed: str | None) -> None:
    assert renamed_field(field, NAMES) == renamed


def _context(role: AccountRole | None) -> Any:
    principal = None if role is None else SimpleNamespace(role=role)

    def require_principal() -> Any:
        if principal is None:
            raise Unauthenticated("log in or send an API key for this")
        return principal

    return SimpleNamespace(principal=principal, require_principal=require_principal)


def test_a_permission_refuses_the_anonymous_then_the_roles_it_leaves_out() -> None:
    ANYONE.check(_context(None))
    with pytest.raises(Unauthenticated):
        SIGNED_IN.check(_context(None))
    SIGNED_IN.check(_context(AccountRole.BUYER))
    only_admins = ADMINS.refusing("dead letters are for admins")
    with pytest.raises(Unauthenticated):
        only_admins.check(_context(None))
    with pytest.raises(Forbidden, match="dead letters are for admins"):
        only_admins.check(_context(AccountRole.INSPECTOR))
    only_admins.check(_context(AccountRole.ADMIN))
    assert not only_admins.allows(_context(AccountRole.BUYER))
