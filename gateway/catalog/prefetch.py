"""What a page of parts will be asked for, loaded at once before its fields resolve.

A page's nested fields (supplier, certificates, eligibility, converted prices) are batched by
the DataLoaders either way; loading them here, from the query's own selection, means that
every one of those fields then finds its data ready and resolves without a coroutine (see
`gateway.loaders.settled`). That is most of what executing a page of 20 parts used to cost.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from graphql import FieldNode
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection, convert_selections, get_variable_values

from gateway.context import Context

if TYPE_CHECKING:
    from gateway.catalog.types import Part


class SelectionCache:
    """`info.selected_fields`, converted once per query and variables instead of on every request.

    Strawberry rebuilds the whole subtree each time it is read, which for the storefront's
    listing was a twentieth of executing it. A document's field nodes stay the same objects
    while strawberry's parser cache holds it, so they key the entry (kept alive with it, so
    that an id is never taken for another node's), together with the variables' values.
    The selections handed out are shared: callers only read them.
    """

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Any, ...], tuple[tuple[FieldNode, ...], list[Selection]]] = OrderedDict()

    def get(self, info: Info[Context, None]) -> list[Selection]:
        raw = info._raw_info
        nodes = tuple(raw.field_nodes)
        try:
            variables = orjson.dumps(get_variable_values(raw), option=orjson.OPT_SORT_KEYS)
        except TypeError:  # a value orjson cannot write: convert without the cache
            return info.selected_fields
        key = (*map(id, nodes), variables)
        entry = self._entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], nodes, strict=True)):
            self._entries.move_to_end(key)
            return entry[1]
        selected = convert_selections(raw, nodes)
        self._entries[key] = (nodes, selected)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return selected


selected_fields = SelectionCache().get


def _fields(selections: Iterable[Selection]) -> list[SelectedField]:
    """The fields of a selection set, through inline fragments and fragment spreads."""
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:
            found.extend(_fields(selection.selections))
    return found


def selected_under(selected: Sequence[Selection], path: Sequence[str]) -> list[SelectedField]:
    """The fields selected below the current field (`info.selected_fields`, which strawberry
    builds afresh, for the whole subtree, each time it is read) at `path`, e.g. ("edges", "node")."""
    fields = _fields(s for field in _fields(selected) for s in field.selections)
    for name in path:
        fields = _fields(s for field in fields if field.name == name for s in field.selections)
    return fields


async def prefetch_parts(
    info: Info[Context, None],
    parts: Sequence[Part],
    path: Sequence[str] = (),
    selected: Sequence[Selection] | None = None,
) -> None:
    from gateway.catalog.types import conversion_currency, eligibility_country

    loaders = info.context.loaders
    pending: list[Awaitable[Any]] = []
    for field in selected_under(selected_fields(info) if selected is None else selected, path):
        if field.name == "supplier":
            pending += [loaders.supplier.load(str(p.data["supplier_id"])) for p in parts]
        elif field.name == "certificates":
            pending += [loaders.part_certificates.load(p.id) for p in parts]
        elif field.name == "eligibility" and isinstance(field.arguments.get("country"), str):
            country = eligibility_country(field.arguments["country"])
            pending += [loaders.eligibility.load((p.id, country)) for p in parts]
        elif field.name in ("price", "coreCharge"):
            currency = conversion_currency(field.arguments.get("currency"))
            column = "price_cny" if field.name == "price" else "core_charge_cny"
            amounts = {int(p.data.get(column) or 0) for p in parts}
            if currency is not None:
                pending += [loaders.convert.load((amount, currency)) for amount in amounts if amount]
    await settle(pending)


async def settle(pending: Iterable[Awaitable[Any]]) -> None:
    """Wait until every load is done, without failing on any of them.

    A failed upstream fails only the fields that need it: each one re-raises its own error.
    The loads of one DataLoader batch are answered together, so waiting on one unfinished load
    at a time is enough; gathering a page's loads (often a hundred) would cost a callback each.
    """
    loads = list({id(p): p for p in pending}.values())
    futures = [p for p in loads if isinstance(p, asyncio.Future)]
    others = [p for p in loads if not isinstance(p, asyncio.Future)]
    if others:
        await asyncio.gather(*others, return_exceptions=True)
    waiting = [f for f in futures if not f.done()]
    while waiting:
        await asyncio.wait(waiting[:1])
        waiting = [f for f in waiting if not f.done()]
    for future in futures:
        if not future.cancelled():
            future.exception()  # retrieved here, so that an unused failure is not logged as lost
