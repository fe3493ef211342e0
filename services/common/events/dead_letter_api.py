"""Thin internal routes over a service's dead letters, for admins (through the gateway's
`deadLetters` and `replayDeadLetter`). Each service that keeps event tables mounts one,
bound to its own tables; the rules live in dead_letters.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.common.app import SessionDep
from services.common.events import dead_letters
from services.common.events.tables import EventTables
from services.common.internal_auth import CallerDep

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        401: "no or bad internal token",
        403: "the caller is not an admin",
        404: "no such dead letter",
        422: "invalid input; `field` names it",
    }.items()
}


class DeadLetterRead(BaseModel):
    id: str
    consumer: str = Field(description="the durable consumer that gave up on the event")
    event_id: str
    event_type: str
    error: str = Field(description="the last delivery's error")
    attempts: int = Field(description="deliveries made before the event was set aside")
    failed_at: datetime
    replay_requested_at: datetime | None = Field(description="when an admin replayed it; null until then")
    replayed_by: str | None = Field(description="the account that replayed it")
    replayed_at: datetime | None = Field(description="when the consumer applied the replayed event")
    event: dict[str, Any] = Field(description="the event's envelope, as it was published")
    cursor: str = Field(description="`after` for the page that follows this one")


class DeadLetterPageRead(BaseModel):
    items: list[DeadLetterRead]
    end_cursor: str | None
    has_next_page: bool


def read(letter: dead_letters.DeadLetter) -> DeadLetterRead:
    return DeadLetterRead(
        id=letter.id,
        consumer=letter.consumer,
        event_id=letter.event_id,
        event_type=letter.event_type,
        error=letter.error,
        attempts=letter.attempts,
        failed_at=letter.failed_at,
        replay_requested_at=letter.replay_requested_at,
        replayed_by=letter.replayed_by,
        replayed_at=letter.replayed_at,
        event=letter.envelope,
        cursor=letter.cursor,
    )


def dead_letter_router(tables: EventTables) -> APIRouter:
    router = APIRouter(prefix="/events/dead-letters", tags=["events"], responses=PROBLEMS)

    @router.get("", summary="Dead letters, newest first, by keyset cursor (admin)")
    def list_dead_letters(
        session: SessionDep,
        actor: CallerDep,
        first: Annotated[int | None, Query(description="page size, 1 to 100 (default 20)")] = None,
        after: Annotated[str | None, Query(max_length=1000, description="`end_cursor` of the previous page")] = None,
        consumer: Annotated[str | None, Query(max_length=80, description="only this consumer's")] = None,
    ) -> DeadLetterPageRead:
        page = dead_letters.list_dead_letters(session, tables, actor, first=first, after=after, consumer=consumer)
        return DeadLetterPageRead(
            items=[read(letter) for letter in page.items], end_cursor=page.end_cursor, has_next_page=page.has_next_page
        )

    @router.get("/{dead_letter_id}", summary="One dead letter (admin)")
    def get_dead_letter(dead_letter_id: str, session: SessionDep, actor: CallerDep) -> DeadLetterRead:
        return read(dead_letters.get_dead_letter(session, tables, actor, dead_letter_id))

    @router.post(
        "/{dead_letter_id}/replay",
        summary="Send the event back to its one consumer (admin); a repeat answers the same and sends nothing",
    )
    def replay_dead_letter(dead_letter_id: str, session: SessionDep, actor: CallerDep) -> DeadLetterRead:
        return read(dead_letters.replay(session, tables, actor, dead_letter_id))

    return router
