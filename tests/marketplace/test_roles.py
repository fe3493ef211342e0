"""The roles, declared once: an account's role is the caller's role of the same name."""

from __future__ import annotations

import pytest

from marketplace.actors import ANONYMOUS, SYSTEM, Actor, issue_token, verify_token
from marketplace.roles import AccountRole, Role
from services.common import internal_auth
from services.common.errors import Forbidden, Unauthenticated

SECRET = "test-internal-secret-of-enough-length"


def test_every_account_role_is_the_role_of_the_same_name_and_only_accounts_lack_two() -> None:
    for account_role in AccountRole:
        assert Role(account_role) == account_role
        assert Role(account_role).name == account_role.name
    assert {r.value for r in Role} - {r.value for r in AccountRole} == {"ANONYMOUS", "SYSTEM"}


def test_staff_act_for_anyone_and_others_only_in_their_role() -> None:
    assert SYSTEM.is_staff and Actor("a", Role.ADMIN).is_staff
    assert not ANONYMOUS.is_staff and not Actor("i", Role.INSPECTOR).is_staff
    Actor("a", Role.ADMIN).require(Role.SUPPLIER)
    Actor("s", Role.SUPPLIER, "sup").require(Role.SUPPLIER)
    with pytest.raises(Forbidden):
        Actor("b", Role.BUYER).require(Role.SUPPLIER)


def test_the_internal_token_carries_the_actor_and_whether_it_is_staff() -> None:
    actor = Actor("acc-1", Role.SUPPLIER, "sup-1")
    token = issue_token(actor, SECRET)
    assert verify_token(token, SECRET) == actor
    assert internal_auth.verify_claims(token, SECRET)["staff"] is False
    assert internal_auth.verify_claims(issue_token(SYSTEM, SECRET), SECRET)["staff"] is True


def test_a_token_naming_an_unknown_role_is_refused() -> None:
    token = internal_auth.sign_claims({"sub": "x", "role": "ROOT", "sid": None, "staff": True}, SECRET)
    with pytest.raises(Unauthenticated):
        verify_token(token, SECRET)
