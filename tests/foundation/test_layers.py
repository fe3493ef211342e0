"""The ops layer and the demo data sit above the applications: the services, the gateway and
the storefront never import `ops` (the tongnan command, the supervisor, the worker) or `seed`
(demo data), and the worker reaches a service only through its `jobs` module and settings."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPLICATIONS = ("services", "gateway", "storefront")


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from services.orders import jobs` imports services.orders.jobs, not the package.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def top_level(module: str) -> str:
    return module.split(".", 1)[0]


def test_no_application_imports_the_ops_layer_or_the_demo_data() -> None:
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for package in APPLICATIONS
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in imported_modules(path)
        if top_level(module) in ("ops", "seed")
    ]
    assert offending == []


def test_the_worker_reaches_each_service_through_its_jobs_module_and_settings_only() -> None:
    def allowed(module: str) -> bool:
        parts = module.split(".")
        if parts[0] == "services":
            return parts[1] == "common" or (len(parts) > 2 and parts[2] in ("jobs", "settings"))
        if parts[0] == "gateway":
            return len(parts) > 1 and parts[1] in ("jobs", "settings")
        return True

    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "ops" / "worker").rglob("*.py"))
        for module in imported_modules(path)
        if not allowed(module)
    ]
    assert offending == []
