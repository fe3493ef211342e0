"""Point-of-sale regimes outside the quote arithmetic: our registration numbers (settings), the
quote refused in production without one, the commercial invoice that prints it, the data file."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from services.orders.fulfilment.shipping_documents import DocumentFacts, DocumentLine, commercial_invoice
from services.orders.quotes.landed_cost import Tables
from services.orders.quotes.service import TaxRegistrationMissing, tax_registration
from services.orders.settings import DEVELOPMENT_TAX_REGISTRATIONS, OrdersSettings
from tests.orders.trade_rules.cases import line, price

PRODUCTION = {
    "environment": "production",
    "internal_secret": "a production internal secret of some length",
    "database_url": "postgresql://tongnan@db.internal/tongnan_orders",
    "stripe_secret_key": "sk_live_unused",
    "stripe_publishable_key": "pk_live_unused",
    "stripe_webhook_secret": "whsec_unused",
}


def test_every_regime_names_a_setting_that_development_fills() -> None:
    settings = OrdersSettings(environment="development")
    for row in Tables.load().point_of_sale:
        assert row.registration_setting.lower() in OrdersSettings.model_fields, row.scheme
        assert (
            settings.tax_registration(row.registration_setting)
            == DEVELOPMENT_TAX_REGISTRATIONS[row.registration_setting.lower()]
        )
        assert row.dated.source.strip() and row.document_label


def test_production_refuses_a_quote_under_a_regime_it_has_no_number_for() -> None:
    # CNY 1,000 of brake pads to GB: GBP 106.00 of goods, under the UK's GBP 135.
    landed = price(line("brake_pads", "8708.30", price_fen=100_000, weight_grams=1_000),
                   country="GB", on=date(2026, 12, 1), currency="GBP")  # fmt: skip
    assert landed.tax_scheme == "GB_VAT_POS"
    with pytest.raises(TaxRegistrationMissing) as refused:
        tax_registration(landed, OrdersSettings(**PRODUCTION))  # type: ignore[arg-type]
    assert refused.value.status == 503 and "TONGNAN_ORDERS_TAX_REGISTRATION_GB_VAT" in str(refused.value)
    given = OrdersSettings(**PRODUCTION, tax_registration_gb_vat="GB123456789")  # type: ignore[arg-type]
    assert tax_registration(landed, given) == "GB123456789"
    # A consignment taxed on import needs no number.
    big = price(line(), country="GB", on=date(2026, 12, 1), currency="GBP")
    assert big.tax_scheme is None and tax_registration(big, OrdersSettings(**PRODUCTION)) is None  # type: ignore[arg-type]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_commercial_invoice_prints_the_ioss_number_and_the_core_deposit_in_the_total() -> None:
    facts = DocumentFacts(
        order_id=uuid.uuid4(),
        placed_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        incoterm="DAP",
        currency="EUR",
        destination_country="DE",
        seller={"id": "a1b2c3d4", "name_en": "Chongqing Test Reman", "uscc": "91500000MA5U000000"},
        consignee={
            "name": "Kurt Fischer",
            "street_address": "Hafenstrasse 12",
            "postal_code": "20457",
            "city": "HAMBURG",
            "country_code": "DE",
        },
        lines=[
            DocumentLine(
                line_no=0,
                sku="PAD-1",
                title="Brake pads",
                hs_code="870830",
                origin="CN",
                quantity=1,
                weight_grams=1_000,
                goods=12_100,
                core_deposit=2_000,
            )
        ],
        shipping=3_751,
        insurance=36,
        tax_scheme="EU_IOSS",
        tax_registration="IM2760000001",
    )
    text = _text(commercial_invoice(facts))
    assert "IOSS number: IM2760000001 (EU_IOSS)" in text
    assert "no import VAT is due" in text
    # 121.00 + core 20.00 + 37.51 + 0.36: the deposit is part of the price paid.
    assert "Invoice total: 178.87 EUR" in text
