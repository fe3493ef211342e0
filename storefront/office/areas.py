"""The back office's areas of work, as its navigation lists them: (path, label, admins only).

Inspectors review certificates; the rest is for admins. The gateway enforces the same roles:
this list only keeps the navigation from offering what the API would refuse.
"""

from __future__ import annotations

AREAS: tuple[tuple[str, str, bool], ...] = (
    ("/office/certificates", "Certificate review", False),
    ("/office/suppliers", "Supplier verification", True),
    ("/office/payouts", "Payouts", True),
    ("/office/money", "Money back", True),
    ("/office/screening", "Sanctions screening", True),
    ("/office/people", "People", True),
    ("/office/audit", "Audit log", True),
)
