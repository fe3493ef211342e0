"""Who may import what of a service: another process or service only its `contract` module (and
services.common, which is infrastructure and imports no service); a contract nothing of its own
service, so importing it brings none of the service along."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "certification", "orders", "notifications")


def imports_of(package: Path) -> Iterator[tuple[Path, str]]:
    """(file, imported module) for every absolute import under `package`."""
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module
                # `from services.catalog import contract` names the module in the alias.
                yield from ((path, f"{node.module}.{alias.name}") for alias in node.names)


def service_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "services" and parts[1] in SERVICES:
        return parts[1]
    return None


def is_contract(module: str) -> bool:
    return module.split(".")[2:3] == ["contract"]


def test_the_gateway_imports_nothing_of_a_service_but_its_contract() -> None:
    breaches = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in imports_of(ROOT / "gateway")
        if service_of(module) and len(module.split(".")) > 2 and not is_contract(module)
    ]
    assert breaches == []


def test_services_common_imports_no_service() -> None:
    breaches = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in imports_of(ROOT / "services" / "common")
        if service_of(module)
    ]
    assert breaches == []


def test_a_contract_imports_nothing_of_its_service() -> None:
    contracts = sorted((ROOT / "services").glob("*/contract.py"))
    assert contracts, "no service has a contract module"
    breaches = []
    for contract in contracts:
        service = contract.parent.name
        for node in ast.walk(ast.parse(contract.read_text())):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            breaches += [f"{service}: {m}" for m in modules if service_of(m) is not None or m.startswith("gateway")]
    assert breaches == []
