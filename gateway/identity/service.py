"""Identity rules: registration, login, refresh-token rotation, API keys.

No web framework here; callers pass a session and get typed errors.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from pwdlib import PasswordHash
from sqlalchemy import ColumnElement, CursorResult, exists, false, update
from sqlmodel import Session, col, select
from zxcvbn import zxcvbn

from gateway.identity.models import Account, ApiKey, ApiKeyScope, RefreshToken
from gateway.identity.tokens import Principal, digest, new_secret, read_access_token
from marketplace.roles import AccountRole
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound, Unauthenticated
from services.common.pagination import decode_cursor, encode_cursor

# argon2id with pwdlib's recommended parameters.
password_hash = PasswordHash.recommended()
# Verified when the e-mail is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = password_hash.hash("no account has this password")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn's 0-4 scale; 3 is "safely unguessable" by its authors' measure.
MIN_PASSWORD_SCORE = 3
# zxcvbn refuses longer input by default, and its time grows steeply with length.
ZXCVBN_MAX_LENGTH = 72
SELF_REGISTERED_ROLES = (AccountRole.BUYER, AccountRole.SUPPLIER)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
API_KEY_PREFIX = "tnx"
REFRESH_PREFIX = "tnr"


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise BadInput("not a valid e-mail address", field="email")
    return value


def check_password(password: str, *, email: str, personal: Sequence[str] = ()) -> None:
    """Long enough, and not guessable by zxcvbn (a dictionary of common passwords, names and
    keyboard patterns), also from the account's own e-mail address and `personal` words (its
    company's names). Every place that sets a password calls this."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BadInput(
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
            field="password",
            reason="PASSWORD_LENGTH",
        )
    # zxcvbn's time grows steeply with length; past its prefix, a password only gets stronger.
    verdict = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_personal_words(email, personal))
    if verdict["score"] < MIN_PASSWORD_SCORE:
        feedback = verdict["feedback"]
        advice = " ".join(part for part in (feedback["warning"], *feedback["suggestions"]) if part)
        raise BadInput(advice or "too easy to guess; add another word or two", field="password", reason="PASSWORD_WEAK")


def _personal_words(email: str, personal: Sequence[str]) -> list[str]:
    """The e-mail address, its parts (`kurt.fischer`, `kurt`, `teile-hamburg` ...) and the
    other words the person is known by, for zxcvbn to count as easily guessed."""
    words = [email, *email.split("@"), *personal]
    pieces = (piece for word in words for piece in re.split(r"[\W_]+", word) if len(piece) > 2)
    return list(dict.fromkeys([*words, *pieces]))


def check_registration(
    session: Session, *, email: str, password: str, role: AccountRole, personal: Sequence[str] = ()
) -> None:
    """What `register` would refuse, checked before anything is created elsewhere."""
    address = normalise_email(email)
    check_password(password, email=address, personal=personal)
    if role not in SELF_REGISTERED_ROLES:
        raise BadInput("only BUYER or SUPPLIER accounts can be registered", field="role")
    if session.exec(select(Account.id).where(Account.email == address)).first() is not None:
        raise Conflict("an account with this e-mail address exists", field="email")


def register(
    session: Session,
    *,
    email: str,
    password: str,
    role: AccountRole,
    supplier_id: uuid.UUID | None = None,
    allow_staff_roles: bool = False,
    personal: Sequence[str] = (),
) -> Account:
    """Create an account. People register as BUYER or SUPPLIER; staff roles are granted by an admin.
    `personal`: words a guesser would try for this account besides its e-mail (its company's names)."""
    address = normalise_email(email)
    check_password(password, email=address, personal=personal)
    if role not in SELF_REGISTERED_ROLES and not allow_staff_roles:
        raise BadInput("only BUYER or SUPPLIER accounts can be registered", field="role")
    if (role is AccountRole.SUPPLIER) != (supplier_id is not None):
        raise BadInput("a SUPPLIER account needs its supplier, other roles none", field="supplier")
    if session.exec(select(Account.id).where(Account.email == address)).first() is not None:
        raise Conflict("an account with this e-mail address exists", field="email")
    account = Account(email=address, password_hash=password_hash.hash(password), role=role, supplier_id=supplier_id)
    session.add(account)
    session.flush()
    return account


def login_key(email: str) -> str:
    """The e-mail as login failures are counted against it."""
    return email.strip().lower()


def authenticate(session: Session, *, email: str, password: str) -> Account:
    """The account, or Unauthenticated (the same answer for an unknown e-mail and a wrong password,
    after the same work). The caller counts failures (gateway/identity/throttle.py)."""
    login = login_key(email)
    account = session.exec(select(Account).where(Account.email == login)).first()
    valid, new_hash = password_hash.verify_and_update(password, account.password_hash if account else _DUMMY_HASH)
    if account is None or not valid:
        raise Unauthenticated("wrong e-mail address or password")
    # Told only to whoever knows the password: it says no more than a wrong one would.
    _refuse_disabled(account.disabled_at)
    if new_hash is not None:  # parameters were raised since this hash was made
        account.password_hash = new_hash
    return account


def issue_refresh_token(
    session: Session, account: Account, *, ttl_days: int, family_id: uuid.UUID | None = None
) -> str:
    """A refresh token for a new login (a new family), or rotated within `family_id`."""
    _, token = new_secret(REFRESH_PREFIX)
    session.add(
        RefreshToken(
            account_id=account.id,
            token_hash=digest(token),
            family_id=family_id or uuid.uuid4(),
            expires_at=utcnow() + timedelta(days=ttl_days),
        )
    )
    session.flush()
    return token


class RefreshTokenReused(Unauthenticated):
    """A spent refresh token came back: it or its successor leaked. The caller revokes
    `family_id` in a transaction of its own, since this one is rolled back."""

    def __init__(self, family_id: uuid.UUID) -> None:
        super().__init__("refresh token already used; every session of this login is ended", field="refreshToken")
        self.family_id = family_id


def rotate_refresh_token(session: Session, token: str, *, ttl_days: int) -> tuple[Account, str, uuid.UUID]:
    """Spend a refresh token for a new one of the same family (returned with it). A token is good once."""
    stored = session.exec(select(RefreshToken).where(RefreshToken.token_hash == digest(token))).first()
    now = utcnow()
    if stored is not None:
        # A disabled account's logins were ended too: say why, rather than "revoked".
        owner = session.get(Account, stored.account_id)
        _refuse_disabled(owner.disabled_at if owner else None, field="refreshToken")
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise Unauthenticated("refresh token invalid, revoked or expired; log in again", field="refreshToken")
    # Spent by a conditional update, so of two concurrent uses exactly one wins.
    spent = session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if cast(CursorResult[Any], spent).rowcount != 1:
        raise RefreshTokenReused(stored.family_id)
    account = session.get(Account, stored.account_id)
    if account is None:
        raise Unauthenticated("account no longer exists", field="refreshToken")
    return (
        account,
        issue_refresh_token(session, account, ttl_days=ttl_days, family_id=stored.family_id),
        stored.family_id,
    )


ACCOUNT_DISABLED = "this account is disabled; ask the platform's administrators"


def _refuse_disabled(disabled_at: datetime | None, *, field: str | None = None) -> None:
    if disabled_at is not None:
        raise Unauthenticated(ACCOUNT_DISABLED, field=field, reason="ACCOUNT_DISABLED")


def authenticate_access_token(session: Session, token: str, secret: str) -> Principal:
    """A signed, unexpired access token of an account that is not disabled, whose login has not
    been ended (its refresh-token family revoked after a reuse or a disabling). Both are read in
    one statement (the account by primary key, the family by its index) per request, so a
    disabled account or an ended login stops at once rather than when its tokens expire."""
    principal = read_access_token(token, secret)
    ended: ColumnElement[bool]
    if principal.login_id is not None:
        ended = exists().where(
            col(RefreshToken.family_id) == principal.login_id, col(RefreshToken.revoked_at).is_not(None)
        )
    else:
        ended = false()
    row = session.execute(
        select(col(Account.disabled_at), ended).where(col(Account.id) == principal.account_id)
    ).first()
    if row is None:
        raise Unauthenticated("account no longer exists")
    disabled_at, login_ended = row
    _refuse_disabled(disabled_at)
    if login_ended:
        raise Unauthenticated("this login was ended; log in again")
    return principal


def revoke_refresh_family(session: Session, family_id: uuid.UUID) -> None:
    """Every token of one login stops working; revoking twice changes nothing."""
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


@dataclass(frozen=True)
class CreatedApiKey:
    key: str  # shown once
    record: ApiKey


def create_api_key(session: Session, account: Account, *, name: str, scope: ApiKeyScope) -> CreatedApiKey:
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise BadInput("must be 1 to 100 characters", field="name")
    taken = session.exec(select(ApiKey.id).where(ApiKey.account_id == account.id, ApiKey.name == label)).first()
    if taken is not None:
        raise Conflict("you already have an API key with this name", field="name")
    lookup, key = new_secret(API_KEY_PREFIX)
    record = ApiKey(account_id=account.id, name=label, prefix=lookup, key_hash=digest(key), scope=scope)
    session.add(record)
    session.flush()
    return CreatedApiKey(key=key, record=record)


def authenticate_api_key(session: Session, key: str) -> Principal:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != API_KEY_PREFIX:
        raise Unauthenticated("API key invalid")
    record = session.exec(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if record is None or record.key_hash != digest(key):
        raise Unauthenticated("API key invalid")
    if record.revoked_at is not None:
        raise Unauthenticated("API key revoked")
    account = session.get(Account, record.account_id)
    if account is None:
        raise Unauthenticated("API key invalid")
    _refuse_disabled(account.disabled_at)
    record.last_used_at = utcnow()
    return Principal(
        account_id=account.id, role=account.role, supplier_id=account.supplier_id, api_key_scope=record.scope
    )


def revoke_api_key(session: Session, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFound("no such API key", field="id")
    if record.account_id != principal.account_id and principal.role is not AccountRole.ADMIN:
        raise Forbidden("this API key belongs to another account", field="id")
    if record.revoked_at is None:  # revoking twice is a no-op, not an error
        record.revoked_at = utcnow()
    return record


# --- accounts, as admins manage them ------------------------------------------------------------


def list_accounts(
    session: Session,
    *,
    role: AccountRole | None = None,
    search: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> tuple[list[Account], bool, str | None]:
    """Accounts by e-mail address (A to Z), keyset-paged; `search` matches part of the address."""
    statement = select(Account)
    if role is not None:
        statement = statement.where(Account.role == role)
    if search and search.strip():
        needle = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(col(Account.email).like(f"%{needle}%", escape="\\"))
    if after:
        (last_email,) = decode_cursor(after, arity=1)
        if not isinstance(last_email, str):
            raise BadInput("malformed cursor", field="after")
        statement = statement.where(col(Account.email) > last_email)
    rows = list(session.exec(statement.order_by(col(Account.email)).limit(first + 1)))
    has_next = len(rows) > first
    rows = rows[:first]
    return rows, has_next, encode_cursor([rows[-1].email]) if rows else None


def _managed_account(session: Session, admin: Principal, account_id: uuid.UUID) -> Account:
    if admin.role is not AccountRole.ADMIN:
        raise Forbidden("only admins disable and enable accounts")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("no such account", field="id")
    return account


def disable_account(session: Session, admin: Principal, account_id: uuid.UUID, reason: str) -> tuple[Account, bool]:
    """Refuse every credential of the account from its next request on, and end its logins (a
    re-enabled person signs in again; API keys work again). Returns the account and whether it
    changed now: disabling a disabled account again changes nothing."""
    account = _managed_account(session, admin, account_id)
    if account.id == admin.account_id:
        raise BadInput("you cannot disable your own account", field="id")
    if account.disabled_at is not None:
        return account, False
    account.disabled_at = utcnow()
    account.disabled_reason = reason
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.account_id) == account.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=account.disabled_at)
    )
    session.add(account)
    session.flush()
    return account, True


def enable_account(session: Session, admin: Principal, account_id: uuid.UUID) -> tuple[Account, bool]:
    """The account may sign in again; enabling an enabled account changes nothing."""
    account = _managed_account(session, admin, account_id)
    if account.disabled_at is None:
        return account, False
    account.disabled_at = None
    account.disabled_reason = None
    session.add(account)
    session.flush()
    return account, True
