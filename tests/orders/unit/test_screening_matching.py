"""Names against the bundled UN list extract: the labelled set the cut-off was chosen from,
normalising, the guard for short names, the list's own dates and the import of a full list."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from ops.cli import main
from services.common.errors import BadInput
from services.orders.screening import lists
from services.orders.screening.matching import CUTOFF, normalise, score, screen

TODAY = date(2026, 12, 4)

# Screened name -> the reference it must match at or above CUTOFF.
TRUE_MATCHES = {
    "Korea Mining Development Trading Corp.": "KPe.001",  # legal form abbreviated
    "KOMID": "KPe.001",  # the alias
    "Komid Ltd": "KPe.001",
    "KOMID Trading Co": "KPe.001",  # the one-word alias as a word of the name
    "Korea Mining Developement Trading Co Ltd": "KPe.001",  # a typo
    "Korea Minning Development Trading": "KPe.001",  # a typo, no legal form
    "Trading Corporation Korea Mining Development": "KPe.001",  # words reordered
    "Korea Mining Development Trading Corporation, Dandong office": "KPe.001",  # more words around it
    "External Technology General Corp": "KPe.001",
    "Changgwang Sinyong Corp.": "KPe.001",
    "Korea Ryongbong General Corporation": "KPe.002",  # transliteration variant
    "Korea Ryonbong Genral Corp": "KPe.002",
    "Korea Ryonbong Gen Corp": "KPe.002",  # abbreviated: the lowest true match (90.0)
    "Lyongaksan General Trading": "KPe.002",
    "Tanchon Commercial Bank": "KPe.003",
    "Tanch'on Commercial Bank": "KPe.003",  # McCune-Reischauer apostrophe
    "Tanchon Comercial Bank": "KPe.003",
    "Changgwang Credit Bank": "KPe.003",
    "Korea Changgwang Credit Bank Ltd.": "KPe.003",
    "Ri Je-son": "KPi.002",
    "Je Son Ri": "KPi.002",  # family name last
    "Jeson Ri": "KPi.002",  # syllables written as one word
    "RI Je Sŏn": "KPi.002",  # diacritic
    "Hwang Sok Hwa": "KPi.003",
    "Hwang Sŏk-hwa": "KPi.003",
    "Hwang Sokhwa": "KPi.003",
}

# Ordinary company and person names near the listed ones: all below CUTOFF.
NON_MATCHES = [
    "Korea Trading Corporation",
    "Korea Mining Company",
    "Korea Development Bank",
    "Korea General Trading Co Ltd",
    "Korea Motors Trading Corp",
    "Mining Development Corp",
    "General Trading LLC",
    "Riyadh General Trading",
    "Tangshan Commercial Bank",  # the highest non-match (89.4)
    "Tianjin Commercial Bank Co Ltd",
    "Commercial Bank of Dubai",
    "China Construction Bank",
    "Hana Bank",
    "Credit Agricole",
    "Changan Automobile Co Ltd",
    "Hwang Seok-min",
    "Hwang Sun Hee",
    "Hwang Auto Parts",
    "Ri Jeong",
    "Lee Jae-sun",
    "Kim Min-jun",
    "Komatsu Ltd",
    "Komi Parts GmbH",
    "Omid Auto Parts",
    "Komida Bakery",
    "Kumho Tire Co",
    "Hyundai Mobis",
    "Ryobi Ltd",
    "Tan Chong Motor",
]


@pytest.fixture(scope="module")
def un() -> lists.SanctionsList:
    (found,) = lists.bundled()
    return found


def best(un: lists.SanctionsList, name: str) -> tuple[float, str]:
    return max((score(name, listed), party.reference) for party in un.parties for listed in party.names)


def test_the_bundled_list_is_the_un_extract_with_its_date(un: lists.SanctionsList) -> None:
    assert un.code == "un" and un.extract
    assert un.url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    assert un.published == date(2026, 12, 4)
    komid = next(p for p in un.parties if p.reference == "KPe.001")
    assert komid.listed_name == "KOREA MINING DEVELOPMENT TRADING CORPORATION"
    assert "KOMID" in komid.aliases and komid.kind == "ENTITY" and komid.listed_on == date(2009, 4, 24)
    ri = next(p for p in un.parties if p.reference == "KPi.002")
    assert ri.listed_name == "RI JE-SON" and ri.kind == "INDIVIDUAL"


@pytest.mark.parametrize("name", list(TRUE_MATCHES), ids=str)
def test_true_matches_score_at_or_above_the_cutoff(un: lists.SanctionsList, name: str) -> None:
    value, reference = best(un, name)
    assert value >= CUTOFF, (name, value)
    assert reference == TRUE_MATCHES[name]


@pytest.mark.parametrize("name", NON_MATCHES, ids=str)
def test_ordinary_names_near_them_score_below_the_cutoff(un: lists.SanctionsList, name: str) -> None:
    value, _ = best(un, name)
    assert value < CUTOFF, (name, value)


def test_the_cutoff_sits_between_the_labelled_sets(un: lists.SanctionsList) -> None:
    lowest_true = min(best(un, name)[0] for name in TRUE_MATCHES)
    highest_false = max(best(un, name)[0] for name in NON_MATCHES)
    assert (lowest_true, highest_false) == (90.0, pytest.approx(89.4, abs=0.05))
    assert highest_false < CUTOFF <= lowest_true


def test_normalising_drops_accents_punctuation_and_legal_forms() -> None:
    assert normalise("Korea Mining Development Trading Corp.") == "korea mining development trading"
    assert normalise("Société Générale S.A.") == "societe generale"
    assert normalise("RI JE-SON") == "ri je son"
    assert normalise("RI JE-SON", join_hyphens=True) == "ri jeson"
    assert normalise("Tanch'on") == "tanchon"


def test_short_names_match_only_closely() -> None:
    assert score("KOMID", "KOMID") == 100.0
    assert score("KOMI", "KOMID") == 0.0  # 4 letters against 5: ratio 88.9, under the short-name floor
    assert score("BP", "BP") == 100.0  # equal is equal
    assert score("BP Co", "BPC") == 0.0  # under four letters: never fuzzily


def test_screen_returns_the_list_reference_name_and_score(un: lists.SanctionsList) -> None:
    found = screen([("BUYER", "Ahmed Garage"), ("CONSIGNEE", "Korea Mining Development Trading Corp.")], [un], on=TODAY)
    assert [(m.list_code, m.reference, m.listed_name, m.role, m.score) for m in found] == [
        ("un", "KPe.001", "KOREA MINING DEVELOPMENT TRADING CORPORATION", "CONSIGNEE", 100.0)
    ]
    assert found[0].as_json()["screened_name"] == "Korea Mining Development Trading Corp."


def test_an_entry_is_not_applied_before_it_was_listed(un: lists.SanctionsList) -> None:
    # KPe.001 was listed on 2009-04-24 (1718 Committee); a sale the day before is not a match.
    assert screen([("CONSIGNEE", "KOMID")], [un], on=date(2009, 4, 23)) == []
    assert len(screen([("CONSIGNEE", "KOMID")], [un], on=date(2009, 4, 24))) == 1


def test_a_list_older_than_the_limit_is_stale(un: lists.SanctionsList) -> None:
    assert lists.stale((un,), TODAY, 30) == []
    (warning,) = lists.stale((un,), date(2027, 1, 4), 30)
    assert "31 days old" in warning and "tongnan sanctions import --list un" in warning


def _full_list(entries: int, generated: str = "2027-01-10T00:00:00.000Z") -> bytes:
    rows = "".join(
        f"<ENTITY><FIRST_NAME>ENTITY {n}</FIRST_NAME><REFERENCE_NUMBER>XXe.{n:03d}</REFERENCE_NUMBER>"
        f"<LISTED_ON>2010-01-01</LISTED_ON><ENTITY_ALIAS><ALIAS_NAME>ALIAS {n}</ALIAS_NAME></ENTITY_ALIAS></ENTITY>"
        for n in range(entries)
    )
    return (
        f'<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="{generated}"><INDIVIDUALS/>'
        f"<ENTITIES>{rows}</ENTITIES></CONSOLIDATED_LIST>"
    ).encode()


def test_import_installs_a_full_list_with_its_date(tmp_path: Path) -> None:
    shutil.copytree(lists.DATA_DIR, tmp_path, dirs_exist_ok=True)
    installed = lists.install("un", _full_list(150), data_dir=tmp_path, today=date(2027, 1, 11))
    assert installed.published == date(2027, 1, 10) and not installed.extract
    assert len(installed.parties) == 150
    row = json.loads((tmp_path / "lists.json").read_text())["lists"]["un"]
    assert (row["published"], row["installed"], row["extract"]) == ("2027-01-10", "2027-01-11", False)
    assert (row["validFrom"], row["validTo"]) == ("2027-01-10", None)
    # An older download than the list installed is refused.
    with pytest.raises(BadInput) as older:
        lists.install("un", _full_list(150, "2026-12-30T00:00:00Z"), data_dir=tmp_path)
    assert older.value.field == "file"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<not xml", "not well-formed"),
        (b"<sdnList/>", "not CONSOLIDATED_LIST"),
        (b'<CONSOLIDATED_LIST dateGenerated="yesterday"/>', "dateGenerated"),
        (_full_list(3), "3 entries"),
    ],
)
def test_import_refuses_what_is_not_a_full_un_list(tmp_path: Path, content: bytes, says: str) -> None:
    shutil.copytree(lists.DATA_DIR, tmp_path, dirs_exist_ok=True)
    before = (tmp_path / "un_consolidated.xml").read_bytes()
    with pytest.raises(BadInput) as refused:
        lists.install("un", content, data_dir=tmp_path)
    assert refused.value.field == "file" and says in refused.value.detail
    assert (tmp_path / "un_consolidated.xml").read_bytes() == before


def test_the_cli_imports_a_full_list_and_checks_its_age(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(lists.DATA_DIR, tmp_path / "data")
    download = tmp_path / "consolidated.xml"
    download.write_bytes(_full_list(120, "2020-01-31T00:00:00Z"))
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["sanctions", "import", "--list", "un", str(download), *data]) == 0
    assert "of 2020-01-31, 120 entries, installed" in capsys.readouterr().out
    # Years old now: a warning, and exit 1 only when asked to be strict.
    assert main(["sanctions", "check", "--max-age-days", "30", *data]) == 0
    assert "warning: sanctions list un" in capsys.readouterr().err
    assert main(["sanctions", "check", "--max-age-days", "30", "--strict", *data]) == 1
    download.write_bytes(b"<CONSOLIDATED_LIST/>")
    assert main(["sanctions", "import", "--list", "un", str(download), *data]) == 1
    assert "is not installed" in capsys.readouterr().err


def test_the_worker_warns_of_a_stale_list(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace
    from typing import cast

    from ops.worker import jobs
    from ops.worker.context import WorkerContext

    context = cast(WorkerContext, SimpleNamespace(orders=SimpleNamespace(sanctions_max_age_days=30)))
    monkeypatch.setattr(jobs, "utcnow", lambda: datetime(2027, 1, 3, tzinfo=UTC))
    assert jobs.sanctions_lists_age(context) == []  # 30 days after the extract of 2026-12-04
    monkeypatch.setattr(jobs, "utcnow", lambda: datetime(2027, 1, 4, tzinfo=UTC))
    with caplog.at_level("WARNING"):
        (warning,) = jobs.sanctions_lists_age(context)
    assert "31 days old" in warning and warning in caplog.text
