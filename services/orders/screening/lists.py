"""The consolidated sanctions lists, as dated files in their publishers' own formats.

The files live in services/orders/data/sanctions/ beside `lists.json`, which says for each list
its name, file, URL, the file's own date (`published`) and when it was installed. They belong
to the orders service because only the orders service screens (at checkout, on its own
database's orders); the other data files of a quote are there too.

Only the UN Security Council Consolidated List is read for now (its XML: CONSOLIDATED_LIST with
INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY). `install` validates a full download and puts it in
place with its date, so an operator refreshes it with `tongnan sanctions import --list un FILE`.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.common.errors import BadInput

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "sanctions"
INDEX = "lists.json"
# A real download of the UN list holds hundreds of entries; fewer than this is not the full list.
MIN_FULL_ENTRIES = 100


@dataclass(frozen=True)
class ListedParty:
    """One entry of a list: the names it is listed under (first the listed name, then aliases)."""

    list_code: str
    reference: str
    listed_name: str
    aliases: tuple[str, ...]
    kind: str  # INDIVIDUAL or ENTITY
    listed_on: date | None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.listed_name, *self.aliases)


@dataclass(frozen=True)
class SanctionsList:
    code: str
    name: str
    url: str
    source: str
    published: date
    extract: bool
    parties: tuple[ListedParty, ...]

    def age_days(self, today: date) -> int:
        return (today - self.published).days


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None and found.text else ""


def _listed_on(element: ET.Element) -> date | None:
    raw = _text(element, "LISTED_ON")
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def parse_un(content: bytes, *, list_code: str = "un") -> tuple[date, list[ListedParty]]:
    """The list's date (dateGenerated) and its entries; BadInput naming `file` if it is not the
    UN consolidated XML."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise BadInput(f"not well-formed XML: {exc}", field="file") from None
    if root.tag != "CONSOLIDATED_LIST":
        raise BadInput(f"the root element is {root.tag}, not CONSOLIDATED_LIST", field="file")
    generated = root.get("dateGenerated", "")
    try:
        published = datetime.fromisoformat(generated.replace("Z", "+00:00")).astimezone(UTC).date()
    except ValueError:
        raise BadInput("CONSOLIDATED_LIST has no valid dateGenerated", field="file") from None
    parties: list[ListedParty] = []
    for kind, path, alias_tag in (
        ("INDIVIDUAL", "INDIVIDUALS/INDIVIDUAL", "INDIVIDUAL_ALIAS"),
        ("ENTITY", "ENTITIES/ENTITY", "ENTITY_ALIAS"),
    ):
        for element in root.iterfind(path):
            reference = _text(element, "REFERENCE_NUMBER")
            name = " ".join(
                part
                for part in (_text(element, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"))
                if part
            )
            if not reference or not name:
                raise BadInput(f"an {kind} without REFERENCE_NUMBER or FIRST_NAME", field="file")
            aliases = tuple(
                a for a in (_text(alias, "ALIAS_NAME") for alias in element.iterfind(alias_tag)) if a and a != name
            )
            parties.append(ListedParty(list_code, reference, name, aliases, kind, _listed_on(element)))
    if not parties:
        raise BadInput("the list has no INDIVIDUAL and no ENTITY", field="file")
    return published, parties


PARSERS = {"un": parse_un}


def _index(data_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data_dir / INDEX).read_text(encoding="utf-8"))
    return loaded


def load(data_dir: Path = DATA_DIR) -> tuple[SanctionsList, ...]:
    index = _index(data_dir)
    lists = []
    for code, row in index["lists"].items():
        published, parties = PARSERS[code]((data_dir / row["file"]).read_bytes(), list_code=code)
        lists.append(
            SanctionsList(
                code=code,
                name=row["name"],
                url=row["url"],
                source=row["source"],
                published=published,
                extract=bool(row.get("extract")),
                parties=tuple(parties),
            )
        )
    return tuple(lists)


@lru_cache(maxsize=1)
def bundled() -> tuple[SanctionsList, ...]:
    """The installed lists, read once per process (an import replaces the files; restart to use it)."""
    return load(DATA_DIR)


def stale(lists: tuple[SanctionsList, ...], today: date, max_age: int) -> list[str]:
    """A sentence for each list older than `max_age` days."""
    return [
        f"sanctions list {sl.code} ({sl.name}) is of {sl.published.isoformat()}, {sl.age_days(today)} days old "
        f"(more than {max_age}); import a fresh one: tongnan sanctions import --list {sl.code} FILE"
        for sl in lists
        if sl.age_days(today) > max_age
    ]


def install(code: str, content: bytes, *, data_dir: Path = DATA_DIR, today: date | None = None) -> SanctionsList:
    """Validate a full download of list `code` and install it as the data file, with its date."""
    if code not in PARSERS:
        raise BadInput(f"unknown list {code}; known: {', '.join(sorted(PARSERS))}", field="list")
    published, parties = PARSERS[code](content, list_code=code)
    if len(parties) < MIN_FULL_ENTRIES:
        raise BadInput(
            f"the file has {len(parties)} entries; a full consolidated list has hundreds (is it an extract?)",
            field="file",
        )
    index = _index(data_dir)
    row = index["lists"][code]
    current = row.get("published")
    if current and not row.get("extract") and published < date.fromisoformat(current):
        raise BadInput(f"the file is of {published}, older than the installed list of {current}", field="file")
    today = today or datetime.now(UTC).date()
    _write_atomically(data_dir / row["file"], content)
    row.update(
        published=published.isoformat(),
        installed=today.isoformat(),
        validFrom=published.isoformat(),
        extract=False,
        source=f"{row['name']}, dateGenerated {published.isoformat()}, {len(parties)} entries",
    )
    _write_atomically(data_dir / INDEX, (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode())
    bundled.cache_clear()
    return next(sl for sl in load(data_dir) if sl.code == code)


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.replace(tmp, path)
