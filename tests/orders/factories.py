"""The orders test stack and what tests do with it: each role's headers, orders quoted, placed and
paid, Stripe's signed events.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import stripe
from pypdf import PdfWriter
from sqlalchemy import Engine, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from marketplace.roles import Role
from services.catalog import markets as part_markets
from services.catalog.domain import uscc_check_character
from services.catalog.models import CatalogTable
from services.certification.models import EVENTS as CERTIFICATION_EVENTS
from services.certification.models import CertificationTable
from services.common.clock import utcnow
from services.common.events import Event
from services.orders.app import create_app as create_orders
from services.orders.finance import ledger
from services.orders.models import EVENTS, OrderLine, OrdersTable
from services.orders.settings import OrdersSettings
from tests.catalog.factories import verify_supplier
from tests.databases import Databases, empty_tables
from tests.factories import FreshHeaders, as_supplier, headers_for
from tests.harness import Served

WEBHOOK_SECRET = "whsec_tongnan_orders_tests"
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"]

ADMIN = FreshHeaders(Role.ADMIN, "acct-admin")
SYSTEM = FreshHeaders(Role.SYSTEM, "scheduler")
INSPECTOR = FreshHeaders(Role.INSPECTOR, "hub-inspector")
_serial = itertools.count(1)


def as_buyer(buyer_id: str) -> dict[str, str]:
    return headers_for(Role.BUYER, actor_id=buyer_id)


@dataclass
class Stack:
    catalog: httpx.Client
    certification: httpx.Client
    orders: httpx.Client
    orders_url: str
    localstripe_url: str
    engine: Engine  # the orders database
    catalog_engine: Engine
    stripe: stripe.StripeClient  # the Stripe dashboard's view, to check what Stripe holds
    certification_engine: Engine | None = None

    # --- webhooks on localstripe -----------------------------------------------------------

    def point_webhooks_at(self, url: str) -> None:
        response = httpx.post(
            f"{self.localstripe_url}/_config/webhooks/orders",
            data={"url": url, "secret": WEBHOOK_SECRET, **{f"events[{i}]": e for i, e in enumerate(WEBHOOK_EVENTS)}},
        )
        assert response.status_code == 200, response.text

    # --- catalog and certification ---------------------------------------------------------

    def supplier(self, *, certified: bool = True) -> str:
        n = next(_serial)
        first17 = f"91500152MB{n:07d}"
        body = {
            "name_en": f"Chongqing Tongnan Orders Test Reman {n} Co., Ltd.",
            "name_zh": f"重庆潼南订单测试再制造{n}有限公司",
            "uscc": first17 + uscc_check_character(first17),
        }
        response = self.catalog.post("/suppliers", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        supplier_id = str(response.json()["id"])
        verify_supplier(self.catalog, supplier_id, body["uscc"])
        if certified:
            self.certify(supplier_id, "ISO_9001")
        return supplier_id

    def certify(
        self, supplier_id: str, scheme: str, categories: list[str] | None = None, *, number: str | None = None
    ) -> str:
        """A certificate submitted, documented and approved; its id."""
        today = utcnow().date()
        body = {
            "scheme": scheme,
            "number": number or f"{scheme}-CERT-{next(_serial)}",
            "issuing_body": "TÜV Rheinland",
            "holder_id": supplier_id,
            "holder_name": "Chongqing Tongnan Orders Test Reman Co., Ltd.",
            "scope": {"part_ids": [], "categories": categories or [], "oem_numbers": []},
            "valid_from": (today - timedelta(days=30)).isoformat(),
            "valid_until": (today + timedelta(days=700)).isoformat(),
        }
        response = self.certification.post("/certificates", json=body, headers=as_supplier(supplier_id))
        assert response.status_code == 201, response.text
        cert_id = response.json()["id"]
        uploaded = self.certification.post(
            f"/certificates/{cert_id}/document",
            files={"file": ("certificate.pdf", pdf_bytes(), "application/pdf")},
            headers=as_supplier(supplier_id),
        )
        assert uploaded.status_code == 200, uploaded.text
        approved = self.certification.post(f"/certificates/{cert_id}/approve", json={}, headers=INSPECTOR)
        assert approved.status_code == 200, approved.text
        self.deliver_certificate_events()
        return str(cert_id)

    def deliver_certificate_events(self) -> None:
        """What the worker's relay and `catalog-markets` consumer do with certification's
        events, in line: these tests run no worker, and quotes read the catalog's markets."""
        assert self.certification_engine is not None
        outbox = CERTIFICATION_EVENTS.outbox
        with Session(self.certification_engine) as source, Session(self.catalog_engine) as catalog:
            rows = source.execute(
                sa_select(outbox.c.seq, outbox.c.envelope)
                .where(outbox.c.published_at.is_(None), outbox.c.subject.like("tongnan.certificate.%"))
                .order_by(outbox.c.seq)
            ).all()
            for _, envelope in rows:
                if envelope["type"] in part_markets.CERTIFICATE_EVENTS:
                    part_markets.apply_certificate(catalog, envelope["data"])
            catalog.commit()
            if rows:
                source.execute(
                    outbox.update().where(outbox.c.seq.in_([r[0] for r in rows])).values(published_at=utcnow())
                )
                source.commit()

    def part(self, supplier_id: str, **overrides: Any) -> dict[str, Any]:
        n = next(_serial)
        body = {
            "sku": f"ALT-{n}",
            "title_en": "Remanufactured alternator 140 A for Volkswagen Golf VI",
            "category": "alternator",
            "condition": "REMANUFACTURED",
            "oem_numbers": ["06H903016L"],
            "price_cny": 118000,
            "core_charge_cny": 30000,
            "warranty_months": 24,
            "weight_grams": 6200,
            "on_hand": 5,
        } | overrides
        response = self.catalog.post("/parts", json=body, headers=as_supplier(supplier_id))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def stock(self, part_id: str) -> dict[str, int]:
        response = self.catalog.get(f"/parts/{part_id}", headers=ADMIN)
        assert response.status_code == 200, response.text
        p = response.json()
        return {"on_hand": p["on_hand"], "reserved": p["reserved"], "available": p["available"]}

    # --- orders ----------------------------------------------------------------------------

    def quote(
        self,
        buyer: str,
        lines: list[tuple[str, int]],
        *,
        country: str = "DE",
        incoterm: str = "DDP",
        currency: str = "EUR",
        expect: int = 201,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "lines": [{"part_id": p, "quantity": q} for p, q in lines],
            "destination_country": country,
            "incoterm": incoterm,
            "currency": currency,
            **extra,
        }
        response = self.orders.post("/quotes", json=body, headers=as_buyer(buyer))
        assert response.status_code == expect, response.text
        return dict(response.json())

    def place(self, buyer: str, quote_id: str, key: str | None = None, expect: int = 201) -> dict[str, Any]:
        body = {"quote_id": quote_id, "idempotency_key": key or f"checkout-{uuid.uuid4()}"}
        response = self.orders.post("/orders", json=body, headers=as_buyer(buyer))
        assert response.status_code == expect, response.text
        return dict(response.json())

    def card(self, buyer: str, number: str = "4242424242424242") -> str:
        """startCardSetup, then what stripe.confirmCardSetup does in the browser."""
        response = self.orders.post("/card-setups", headers=as_buyer(buyer))
        assert response.status_code == 200, response.text
        setup = response.json()
        return confirm_card_setup(self.localstripe_url, setup["publishable_key"], setup["client_secret"], number)

    def pay(self, buyer: str, order_id: str, payment_method: str, expect: int = 200) -> dict[str, Any]:
        response = self.orders.post(
            f"/orders/{order_id}/pay", json={"payment_method_id": payment_method}, headers=as_buyer(buyer)
        )
        assert response.status_code == expect, response.text
        return dict(response.json())

    def order(self, order_id: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        response = self.orders.get(f"/orders/{order_id}", headers=headers or ADMIN)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_status(self, order_id: str, status: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            order = self.order(order_id)
            if order["status"] == status:
                return order
            if time.monotonic() > deadline:
                raise AssertionError(f"order {order_id} is {order['status']}, expected {status}")
            time.sleep(0.1)

    def balance(self, account: str, currency: str) -> int:
        with Session(self.engine) as session:
            return ledger.balance(session, account, currency)


@contextmanager
def serve_orders(settings: OrdersSettings) -> Iterator[httpx.Client]:
    """A second orders process on the same database, configured with one upstream gone or
    replaced: Stripe or the catalog unreachable, a localstripe that knows nothing."""
    served = Served(create_orders(settings)).start()
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            yield client
    finally:
        served.stop()


def orders_settings(stack: Stack, databases: Databases, **overrides: Any) -> OrdersSettings:
    """The stack's orders settings, with `overrides` (say, a `stripe_api_base` nobody answers)."""
    return OrdersSettings(
        **{
            "database_url": databases.migrated("orders"),
            "stripe_api_base": stack.localstripe_url,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "catalog_url": str(stack.catalog.base_url),
            "stripe_timeout_seconds": 2,
            "upstream_timeout_seconds": 2,
            **overrides,
        }
    )


def confirm_card_setup(
    localstripe_url: str, publishable_key: str, client_secret: str, number: str = "4242424242424242"
) -> str:
    """What stripe.confirmCardSetup does in the buyer's browser: the publishable key, the client
    secret and the card data straight to Stripe; gives the new payment method's id."""
    confirmed = httpx.post(
        f"{localstripe_url}/v1/setup_intents/{client_secret.split('_secret_')[0]}/confirm",
        data={
            "key": publishable_key,
            "client_secret": client_secret,
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": number,
            "payment_method_data[card][exp_month]": "12",
            "payment_method_data[card][exp_year]": "2031",
            "payment_method_data[card][cvc]": "123",
        },
    ).json()
    return str(confirmed["payment_method"])


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fx_document(as_of: str | None = None) -> dict[str, Any]:
    return {
        "base": "CNY",
        "source": "test rates (Bank of China mid, 2026-11-25)",
        "asOf": as_of or utcnow().isoformat(),
        "rates": {
            "EUR": "0.1215",
            "USD": "0.1405",
            "GBP": "0.1062",
            "JPY": "21.47",
            "KRW": "193.9",
            "KWD": "0.04312",
            "ISK": "19.1",
        },
    }


def reset(served: Stack, databases: Databases) -> Stack:
    """The served stack with empty databases, today's rates, and localstripe's events sent to it."""
    empty_tables(served.engine, OrdersTable.metadata)
    empty_tables(served.catalog_engine, CatalogTable.metadata)
    empty_tables(databases.engine("certification"), CertificationTable.metadata)
    response = served.orders.put(
        "/fx/rates", content=json.dumps(fx_document()), headers={**SYSTEM, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    served.point_webhooks_at(f"{served.orders_url}/webhooks/stripe")
    return served


def assert_ledger_balanced(engine: Engine) -> None:
    """The invariant after every order test: each transaction sums to zero in each currency."""
    with Session(engine) as session:
        assert ledger.unbalanced_transactions(session) == []


Waiter = Callable[[str, str], dict[str, Any]]


def today() -> date:
    return utcnow().date()


def paid_order(stack: Stack, buyer: str, part: dict[str, Any], quantity: int = 1, **quote: Any) -> dict[str, Any]:
    """Quoted, placed, paid on localstripe, and PAID through the signed webhook."""
    q = stack.quote(buyer, [(part["id"], quantity)], **quote)
    order = stack.place(buyer, q["id"])["order"]
    stack.pay(buyer, order["id"], stack.card(buyer))
    return stack.wait_status(order["id"], "PAID")


SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}


def delivered_days_ago(stack: Stack, buyer: str, part: dict[str, Any], days_ago: int) -> dict[str, Any]:
    order = paid_order(stack, buyer, part, 1)
    supplier = as_supplier(part["supplier_id"])
    assert stack.orders.post(f"/orders/{order['id']}/ship", json=SHIP, headers=supplier).status_code == 200
    assert stack.orders.post(f"/orders/{order['id']}/confirm-delivery", headers=as_buyer(buyer)).status_code == 200
    with Session(stack.engine) as session:
        session.execute(
            update(OrderLine)
            .where(col(OrderLine.order_id) == uuid.UUID(order["id"]))
            .values(delivered_at=utcnow() - timedelta(days=days_ago))
        )
        session.commit()
    return stack.order(order["id"])


def signed_by_stripe(event: dict[str, Any]) -> tuple[bytes, str]:
    """The body and Stripe-Signature header Stripe sends: HMAC-SHA256 of "<t>.<body>" under the
    endpoint's signing secret (https://docs.stripe.com/webhooks#verify-manually)."""
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={digest}"


def post_stripe_event(stack: Stack, signed: tuple[bytes, str]) -> httpx.Response:
    body, signature = signed
    return httpx.post(
        f"{stack.orders_url}/webhooks/stripe",
        content=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        timeout=30,
    )


def dispute_event(
    kind: str, dispute_id: str, order: dict[str, Any], *, status: str, created: int, due_by: int | None
) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "data": {
            "object": {
                "id": dispute_id,
                "object": "dispute",
                "amount": order["total"]["amount"],
                "currency": order["currency"].lower(),
                "charge": f"ch_{uuid.uuid4().hex[:24]}",
                "payment_intent": order["payment_intent_id"],
                "reason": "product_not_received",
                "status": status,
                "created": created,
                "evidence_details": {"due_by": due_by, "has_evidence": False, "submission_count": 0},
            }
        },
    }


def battery_module(stack: Stack) -> tuple[str, dict[str, Any]]:
    supplier = stack.supplier()
    stack.certify(supplier, "UN_38_3", ["nev_battery_module"])
    part = stack.part(
        supplier,
        sku=f"BAT-{uuid.uuid4().hex[:6]}",
        title_en="Remanufactured NMC battery module 2.1 kWh for BYD Tang",
        category="nev_battery_module",
        oem_numbers=["BYD-TANG-M12"],
        price_cny=600_000,
        core_charge_cny=0,
        weight_grams=25_000,
        battery_chemistry="NMC",
        battery_capacity_wh=2_100,
        battery_soh_pct=92,
    )
    return supplier, part


def events_of(stack: Stack, order_id: str) -> list[Event]:
    """The events the orders service wrote about this order, in the order it wrote them."""
    with stack.engine.connect() as connection:
        envelopes = connection.execute(sa_select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq)).scalars()
        return [Event.from_envelope(e) for e in envelopes if e["aggregate_id"] == order_id]
