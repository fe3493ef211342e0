"""Every text on the pages has its Chinese and German translation, with the same fields."""

from __future__ import annotations

import re
import string
from pathlib import Path

from storefront import i18n
from storefront.messages import DE, ZH
from storefront.office.messages import OFFICE_ZH

ROOT = Path(i18n.__file__).parent
_CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _texts(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def texts_in_the_code() -> set[str]:
    """The storefront's texts (buyers and suppliers), which have Chinese and German."""
    templates = [p for p in ROOT.glob("templates/**/*.html") if "office" not in p.relative_to(ROOT).parts]
    modules = [*ROOT.glob("*.py"), *ROOT.glob("supplier/**/*.py")]
    return _texts([*templates, *modules]) | set(i18n.CONDITIONS.values())


def office_texts() -> set[str]:
    """The back office's texts, which are in Chinese and English only."""
    return _texts([*ROOT.glob("templates/office/**/*.html"), *ROOT.glob("office/**/*.py")])


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_is_translated_with_the_same_fields() -> None:
    texts = texts_in_the_code()
    assert len(texts) > 150
    for name, catalog in (("zh", ZH), ("de", DE)):
        missing = sorted(texts - catalog.keys())
        assert missing == [], f"{name} lacks {missing}"
        for text in texts:
            assert fields(catalog[text]) == fields(text), (name, text)


def test_every_back_office_text_has_its_chinese() -> None:
    texts = office_texts()
    assert "Back office" in texts
    chinese = {**ZH, **OFFICE_ZH}
    missing = sorted(texts - chinese.keys())
    assert missing == [], f"zh lacks {missing}"
    for text in texts:
        assert fields(chinese[text]) == fields(text), text


def test_statuses_have_labels_in_every_language() -> None:
    for status in ("VALID", "PENDING_REVIEW", "EXPIRED", "SUSPENDED", "REVOKED", "UNKNOWN"):
        assert {i18n.translate(locale, status) for locale in i18n.LOCALES} != {status}


def test_language_from_the_browser_with_english_by_default() -> None:
    assert i18n.negotiate("de-DE,de;q=0.9,en;q=0.8") == "de"
    assert i18n.negotiate("zh-CN,zh;q=0.9") == "zh"
    assert i18n.negotiate("fr-FR") == "en"
    assert i18n.negotiate(None) == "en"
    assert i18n.country_name("de", "DE") == "Deutschland"
    assert i18n.country_name("zh", "DE") == "德国"
