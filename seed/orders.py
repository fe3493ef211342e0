"""Demo data of the orders database, loaded by `tongnan up`: exchange rates, so that quotes
work on a fresh laptop. Only quotes, orders and payments are made by people; nothing else here.

The rates are the ECB euro reference rates of 2026-11-25 (as served in eurofxref-daily.xml),
crossed through CNY by services.orders.quotes.fx, the USD pegs, and a bank's rates for the
destinations' currencies the ECB does not publish, all stamped with the loading time so they are
fresh for `fx_stale_after_hours`: every destination can be quoted. Import real ones with
`PUT /fx/rates` (ECB XML or JSON).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from services.common.clock import utcnow
from services.common.db import session_scope
from services.orders.models import FxRateRow
from services.orders.quotes import fx

# Units per 1 EUR, ECB reference rates of 2026-11-25: the ECB's currencies of the countries we
# quote to (services/orders/data/destinations.json) and the ones their rules name amounts in.
ECB_PER_EUR = {
    "CNY": "8.2311",
    "USD": "1.1563",
    "JPY": "176.62",
    "GBP": "0.8793",
    "CHF": "0.9312",
    "AUD": "1.7801",
    "CAD": "1.6218",
    "SGD": "1.5051",
    "KRW": "1698.45",
    "NOK": "11.7355",
    "SEK": "10.9275",
    "DKK": "7.4606",
    "PLN": "4.2315",
    "MXN": "21.3470",
    "MYR": "4.8770",
    "NZD": "2.0420",
    "THB": "37.452",
    "BRL": "6.2150",
    "INR": "103.455",
    "IDR": "19380.50",
    "ZAR": "20.0215",
}
SOURCE = "demo: ECB euro reference rates of 2026-11-25, crossed through CNY"
# Destinations' currencies the ECB does not publish and no peg gives (fx.PEGGED_TO_USD): what a
# bank's feed would bring, as units per 1 CNY.
PER_CNY = {"KWD": "0.04313", "VND": "3695"}
PER_CNY_SOURCE = "demo: central bank rates of 2026-11-25 against CNY"


def demo_rates(now: datetime) -> fx.FxTable:
    """Every rate the demo quotes with, stamped `now`."""
    cubes = "".join(f'<Cube currency="{c}" rate="{r}"/>' for c, r in ECB_PER_EUR.items())
    document = (
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        f'<Cube><Cube time="{now.date().isoformat()}">{cubes}</Cube></Cube></gesmes:Envelope>'
    )
    ecb = fx.parse_ecb_xml(document, source=SOURCE)
    banks = fx.parse_json_rates(json.dumps({"source": PER_CNY_SOURCE, "asOf": now.isoformat(), "rates": PER_CNY}))
    return fx.FxTable.of([*ecb.rates.values(), *(r for code, r in banks.rates.items() if code != fx.BASE)])


def load_if_empty(engine: Engine) -> str | None:
    with Session(engine) as probe:
        if probe.scalar(select(func.count()).select_from(FxRateRow)):
            return None
    now = utcnow()
    table = demo_rates(now)
    with session_scope(engine) as session:
        for rate in table.rates.values():
            if rate.currency != fx.BASE:
                session.add(FxRateRow(currency=rate.currency, per_cny=str(rate.per_cny), source=rate.source, as_of=now))
    return f"loaded {len(table.rates) - 1} exchange rates against CNY"
