# ruff: noqa: E501  (one translation per line)
"""Password reset by e-mail.

`request_reset` answers the same whether or not an account has the address: the caller is
told only that a link is on its way if the address is registered. The link carries a random
256-bit token; we keep only its HMAC-SHA256 under the gateway's JWT secret, so neither the
table alone nor a guess opens an account. A link works once, for
TONGNAN_GATEWAY_PASSWORD_RESET_TTL_MINUTES; asking again voids the earlier ones. Using it sets
the new password and ends every login of the account (its refresh-token families are revoked,
so their access tokens stop at their next request).

The mail goes out after the answer, from the gateway process: how long an SMTP server takes
must not tell a caller whether the address is registered. A mail lost to a crash in between
costs the person one more click on "send the link".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from gateway.identity.models import Account, PasswordReset, RefreshToken
from gateway.identity.service import check_password, normalise_email, password_hash
from services.common.clock import utcnow
from services.common.errors import BadInput
from services.common.languages import language

INVALID_LINK = "this reset link is invalid, used or expired; ask for a new one"


def token_digest(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ResetLink:
    email: str
    locale: str
    token: str


def request_reset(session: Session, *, email: str, locale: str, ttl_minutes: int, secret: str) -> ResetLink | None:
    """A new link for the account with this address, or None when there is none (which the
    caller must not reveal). Earlier unused links of the account stop working."""
    address = normalise_email(email)
    account = session.exec(select(Account).where(Account.email == address)).first()
    if account is None:
        return None
    now = utcnow()
    session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.account_id) == account.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            account_id=account.id,
            token_hash=token_digest(token, secret),
            created_at=now,
            expires_at=now + timedelta(minutes=ttl_minutes),
        )
    )
    session.flush()
    return ResetLink(email=account.email, locale=locale, token=token)


def reset_password(session: Session, *, token: str, new_password: str, secret: str) -> Account:
    """Spend a link: the new password is set and every login of the account ends. A link used
    twice at once is spent by one of them only (a conditional update)."""
    if not token or len(token) > 200:
        raise BadInput(INVALID_LINK, field="token")
    stored = session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_digest(token, secret))).first()
    now = utcnow()
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise BadInput(INVALID_LINK, field="token")
    account = session.get(Account, stored.account_id)
    if account is None:
        raise BadInput(INVALID_LINK, field="token")
    try:
        check_password(new_password, email=account.email)
    except BadInput as refused:
        raise BadInput(str(refused), field="newPassword") from None
    spent = session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.id) == stored.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    if cast(CursorResult[Any], spent).rowcount != 1:
        raise BadInput(INVALID_LINK, field="token")
    account.password_hash = password_hash.hash(new_password)
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.account_id) == account.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    return account


SUBJECT = {
    "en": "Set a new password for Tongnan Parts Exchange",
    "zh": "设置铜梁汽车零部件交易平台的新密码",
    "de": "Neues Passwort für Tongnan Parts Exchange festlegen",
}
BODY = {
    "en": "Someone (we hope you) asked to set a new password for {email}.\n\nOpen this link to choose it; it works once, for {minutes} minutes:\n{link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n\nTongnan Parts Exchange\n",
    "zh": "有人（希望是您本人）请求为 {email} 设置新密码。\n\n请打开以下链接设置新密码；链接仅可使用一次，{minutes} 分钟内有效：\n{link}\n\n如果不是您本人操作，请忽略此邮件，您的密码不会改变。\n\n铜梁汽车零部件交易平台\n",
    "de": "Jemand (hoffentlich Sie) hat ein neues Passwort für {email} angefordert.\n\nÖffnen Sie diesen Link, um es festzulegen; er funktioniert einmal, {minutes} Minuten lang:\n{link}\n\nWaren Sie es nicht, ignorieren Sie diese Mail: Ihr Passwort bleibt, wie es ist.\n\nTongnan Parts Exchange\n",
}


def reset_message(link: ResetLink, *, sender: str, shop_origin: str, ttl_minutes: int) -> EmailMessage:
    lang = language(link.locale)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = link.email
    message["Subject"] = SUBJECT[lang]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tongnan.example")
    url = f"{shop_origin}/account/reset?token={link.token}"
    message.set_content(BODY[lang].format(email=link.email, minutes=ttl_minutes, link=url))
    message["Content-Language"] = {"zh": "zh-Hans"}.get(lang, lang)
    return message
