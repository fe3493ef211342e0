"""Log lines as an operator reads them: JSON in production, readable lines in development, each
with its time, level, process and request id; probes kept out of the access log."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import logging, sys
from asgi_correlation_id import correlation_id
from services.common.logs import configure_logging
configure_logging("orders", sys.argv[1])
correlation_id.set("req-42")
logging.getLogger("services.orders.checkout.payments").info("refund booked for %s", "TN-2026-000123")
logging.getLogger("services.orders.checkout.payments").debug("not shown")
access = logging.getLogger("uvicorn.access")
access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", "/readyz", "1.1", 200)
access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", "/orders/1", "1.1", 200)
"""


def lines(environment: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, environment], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stderr.strip().splitlines()


def test_production_writes_one_json_object_per_line_with_the_request_id() -> None:
    first, access = [json.loads(line) for line in lines("production")]
    assert first["event"] == "refund booked for TN-2026-000123"
    assert first["level"] == "info" and first["logger"] == "services.orders.checkout.payments"
    assert first["process"] == "orders" and first["request_id"] == "req-42"
    assert first["timestamp"].endswith("Z")
    assert "/orders/1" in access["event"] and access["request_id"] == "req-42"


def test_development_writes_readable_lines_without_probes() -> None:
    shown = lines("development")
    assert len(shown) == 2, shown
    assert "[info" in shown[0] and "refund booked for TN-2026-000123" in shown[0]
    assert "request_id=req-42" in shown[0] and "process=orders" in shown[0]
    assert "/readyz" not in "\n".join(shown)
