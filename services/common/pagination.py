"""Opaque keyset cursors: base64url of a small JSON list of sort-key values."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from services.common.errors import BadInput

MAX_PAGE_SIZE = 100


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int, field: str = "after") -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadInput("malformed cursor", field=field) from None
    if not isinstance(values, list) or len(values) != arity:
        raise BadInput("malformed cursor", field=field)
    return values


def page_size(first: int | None, *, default: int = 20, field: str = "first") -> int:
    if first is None:
        return default
    if first < 1 or first > MAX_PAGE_SIZE:
        raise BadInput(f"must be between 1 and {MAX_PAGE_SIZE}", field=field)
    return first
