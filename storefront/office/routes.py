"""Every router of the back office, for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from storefront.office import audit, certificates, home, money, payouts, people, screening, suppliers


def routers() -> list[APIRouter]:
    return [
        home.router,
        certificates.router,
        suppliers.router,
        payouts.router,
        money.router,
        screening.router,
        people.router,
        audit.router,
    ]
