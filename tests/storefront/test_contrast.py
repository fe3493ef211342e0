"""The style sheet's colour pairs meet WCAG 2.2 AA contrast for normal text (4.5:1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import storefront

CSS = (Path(storefront.__file__).parent / "static" / "style.css").read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("ink", "bg"),
        ("ink", "panel"),
        ("muted", "bg"),
        ("muted", "panel"),
        ("link", "bg"),
        ("link", "panel"),
        ("ok", "ok-bg"),
        ("no", "no-bg"),
        ("no", "bg"),
        ("warn", "warn-bg"),
        ("info", "info-bg"),
        ("brand", "bg"),
        ("#ffffff", "brand"),
    ],
)
def test_text_colours_have_aa_contrast(text: str, background: str) -> None:
    fg = text if text.startswith("#") else VARIABLES[text]
    bg = background if background.startswith("#") else VARIABLES[background]
    assert contrast(fg, bg) >= 4.5, f"{text} on {background}: {contrast(fg, bg):.2f}:1"
