"""A placeOrder that dies right after the catalog reserved its stock, as a process killed there
would (SIGKILL: no cleanup, no rollback, no answer). Run by tests/orders/checkout/test_checkout_saga.py:

    python -m tests.orders.checkout.kill_after_reserve '<settings json>' <buyer id> <quote id> <idempotency key>

The settings are the orders service's (`OrdersSettings` fields, as JSON).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import uuid

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.db import make_engine, session_scope
from services.orders.checkout import service as checkout
from services.orders.contract.checkout import OrderCreate
from services.orders.deps import OrdersDeps
from services.orders.models import Order
from services.orders.settings import OrdersSettings


def _die(order: Order) -> None:
    print(f"reserved for order {order.id}; dying", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    raw, buyer, quote_id, key = argv
    settings = OrdersSettings(**json.loads(raw))
    checkout.after_reserve = _die
    deps = OrdersDeps.build(settings)
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        data = OrderCreate(quote_id=uuid.UUID(quote_id), idempotency_key=key)
        checkout.place_order(session, Actor(buyer, Role.BUYER), data, deps)
    return 3  # not reached: placeOrder calls `_die` after reserving


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
