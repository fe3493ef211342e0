"""Every router of the back office, for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from storefront.office import home, money, suppliers


def routers() -> list[APIRouter]:
    return [home.router, money.router, suppliers.router]
