"""Demo data of the orders database, loaded by `tongnan up`: exchange rates, so that quotes
work on a fresh laptop. Only quotes, orders and payments are made by people; nothing else here.

The rates are the ECB euro reference rates of 2026-11-25 (as served in eurofxref-daily.xml),
crossed through CNY by services.orders.fx, and stamped with the loading time so they are
fresh for `fx_stale_after_hours`. Import real ones with `PUT /fx/rates` (ECB XML or JSON).
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from services.common.clock import utcnow
from services.common.db import session_scope
from services.orders import fx
from services.orders.models import FxRateRow

# Units per 1 EUR, ECB reference rates of 2026-11-25 (a subset: the currencies we quote in).
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
}
SOURCE = "demo: ECB euro reference rates of 2026-11-25, crossed through CNY"


def load_if_empty(engine: Engine) -> str | None:
    with Session(engine) as probe:
        if probe.scalar(select(func.count()).select_from(FxRateRow)):
            return None
    now = utcnow()
    cubes = "".join(f'<Cube currency="{c}" rate="{r}"/>' for c, r in ECB_PER_EUR.items())
    document = (
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        f'<Cube><Cube time="{now.date().isoformat()}">{cubes}</Cube></Cube></gesmes:Envelope>'
    )
    table = fx.parse_ecb_xml(document, source=SOURCE)
    with session_scope(engine) as session:
        for rate in table.rates.values():
            if rate.currency != fx.BASE:
                session.add(FxRateRow(currency=rate.currency, per_cny=str(rate.per_cny), source=SOURCE, as_of=now))
    return f"loaded {len(table.rates) - 1} exchange rates against CNY"
