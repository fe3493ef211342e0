"""Counting the SQL statements a request sends: the proof that a batch call answers a page of
ids with a fixed number of queries, not one (or a few) per id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def selects_sent(engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements `engine` sends while the block runs (PRAGMAs, BEGIN, COMMIT and the
    pool's pings left out), as a list that fills as they go."""
    selects: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield selects
    finally:
        event.remove(engine, "before_cursor_execute", count)
