"""The buyer's order e-mails: one per event whatever happens to the event, in the buyer's
language, through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import smtplib
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from gateway.identity.models import Account, GatewayTable, SentMail
from gateway.notifications.consumer import OrderMailer
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole
from services.common.events import Event
from tests.databases import Databases, empty_tables
from tests.harness import free_port
from tests.mailcatcher import MailCatcher, mail_catcher


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    with mail_catcher(tmp_path / "mail") as running:
        yield running


@pytest.fixture
def gateway_db(databases: Databases) -> Iterator[Databases]:
    yield databases
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def mailer(databases: Databases, smtp_url: str) -> OrderMailer:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"), smtp_url=smtp_url, shop_origin="https://parts.example"
    )
    return OrderMailer(databases.engine("gateway"), settings)


def buyer(databases: Databases, locale: str) -> Account:
    with Session(databases.engine("gateway")) as session:
        account = Account(
            email=f"buyer-{uuid.uuid4().hex[:6]}@werkstatt.example",
            password_hash="unused",
            role=AccountRole.BUYER,
            locale=locale,
        )
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def order_event(account: Account, event_type: str = "order.paid", **extra: Any) -> Event:
    order_id = str(uuid.uuid4())
    order: dict[str, Any] = {
        "id": order_id,
        "number": "TN-2026-000123",
        "status": "PAID",
        "total": {"amount": 123450, "currency": "EUR"},
        "lines": [
            {
                "sku": "ALT-1",
                "title": "Alternator 14V 150A",
                "quantity": 2,
                "carrier": "DHL",
                "tracking_number": "JD0001",
            }
        ],
    }
    return Event(
        id=str(uuid.uuid4()),
        type=event_type,
        version=1,
        source="orders",
        aggregate_id=order_id,
        occurred_at=datetime.now(UTC),
        data={"order": order, "buyer_id": str(account.id), "supplier_ids": [], **extra},
    )


def test_an_event_delivered_again_sends_no_second_mail(gateway_db: Databases, catcher: MailCatcher) -> None:
    account = buyer(gateway_db, "en")
    sender = mailer(gateway_db, catcher.url)
    event = order_event(account)
    assert sender.deliver(event) is True
    assert sender.deliver(event) is False  # a redelivery
    assert mailer(gateway_db, catcher.url).deliver(event) is False  # another worker
    [mail] = catcher.messages(to=account.email)
    assert mail.subject == "Payment received for order TN-2026-000123"
    assert "€1,234.50" in mail.text()
    assert "https://parts.example/orders/TN-2026-000123" in mail.text()
    assert mail.message["Message-ID"] == f"<order.paid.{event.id}@tongnan.example>"


def test_workers_racing_for_one_event_send_one_mail(gateway_db: Databases, catcher: MailCatcher) -> None:
    account = buyer(gateway_db, "en")
    event = order_event(account)
    senders = [mailer(gateway_db, catcher.url) for _ in range(6)]
    results: list[bool] = []
    start = threading.Barrier(len(senders))

    def run(each: OrderMailer) -> None:
        start.wait()
        results.append(each.deliver(event))

    threads = [threading.Thread(target=run, args=(each,)) for each in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len(catcher.messages(to=account.email)) == 1


def test_a_server_that_refuses_gets_the_mail_on_the_retry_once(gateway_db: Databases, catcher: MailCatcher) -> None:
    account = buyer(gateway_db, "de")
    event = order_event(account, "order.shipped")
    down = mailer(gateway_db, f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    with pytest.raises((smtplib.SMTPException, OSError)):
        down.deliver(event)
    with Session(gateway_db.engine("gateway")) as session:
        assert session.exec(select(SentMail).where(SentMail.event_id == event.id)).first() is None
    assert mailer(gateway_db, catcher.url).deliver(event) is True
    assert mailer(gateway_db, catcher.url).deliver(event) is False
    [mail] = catcher.messages(to=account.email)
    assert mail.subject == "Bestellung TN-2026-000123 ist unterwegs"
    assert "DHL, Sendungsnummer JD0001" in mail.text()


def test_mail_is_in_the_buyers_language(gateway_db: Databases, catcher: MailCatcher) -> None:
    account = buyer(gateway_db, "zh")
    refund = {"id": "r1", "amount": {"amount": 5000, "currency": "EUR"}, "reason": "", "created_at": None}
    mailer(gateway_db, catcher.url).deliver(order_event(account, "order.refunded", refund=refund))
    [mail] = catcher.messages(to=account.email)
    assert mail.subject == "订单 TN-2026-000123 的退款"
    assert "€50.00" in mail.text()
    assert mail.message["Content-Language"] == "zh-Hans"


def test_retention_forgets_old_mail_claims_and_expired_reset_links(gateway_db: Databases) -> None:
    from datetime import timedelta

    from gateway import jobs as gateway_jobs
    from gateway.identity.models import PasswordReset
    from services.common.clock import utcnow

    account = buyer(gateway_db, "en")
    now = utcnow()
    engine = gateway_db.engine("gateway")
    with Session(engine) as session:
        session.add(
            SentMail(event_id="old", kind="order.paid", recipient=account.email, claimed_at=now - timedelta(days=20))
        )
        session.add(SentMail(event_id="new", kind="order.paid", recipient=account.email, claimed_at=now))
        session.add(PasswordReset(account_id=account.id, token_hash="a" * 64, expires_at=now - timedelta(days=8)))
        session.add(PasswordReset(account_id=account.id, token_hash="b" * 64, expires_at=now + timedelta(minutes=5)))
        session.commit()
    assert gateway_jobs.forget_sent_mails(engine, now - timedelta(days=14)) == 1
    assert gateway_jobs.forget_expired_password_resets(engine, now - timedelta(days=7)) == 1
    with Session(engine) as session:
        assert [m.event_id for m in session.exec(select(SentMail))] == ["new"]
        assert [r.token_hash[0] for r in session.exec(select(PasswordReset))] == ["b"]
