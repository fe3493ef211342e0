"""An admin's decision on a case in the back office (a supplier's application, an order on a
sanctions hold): one of a few mutations chosen on the case's form, each taking the case's id
and the reason, which the gateway audits. The form is read, the reason checked, the mutation
sent and its refusal shown on the case's page again, the same way for every kind of case."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request
from fastapi.responses import Response

from storefront.office.staff import to_login
from storefront.web import Page


@dataclass(frozen=True, slots=True)
class Outcome:
    """One choice of the form's `decision`: the mutation that records it (variables `$id` and
    `$reason`), the field of its answer that is null when refused, whether the choice needs a
    reason, and the `notice` the case's page shows once it is made."""

    mutation: str
    answer: str
    notice: str
    needs_reason: bool = True


class ShowAgain(Protocol):
    """The case's page again, with what was typed and why it was refused (a 422)."""

    def __call__(self, *, form: dict[str, str], errors: dict[str, str]) -> Awaitable[Response]: ...


async def decide(
    page: Page,
    request: Request,
    case_id: str,
    outcomes: Mapping[str, Outcome],
    *,
    reason_missing: str,
    show_again: ShowAgain,
    done: str,
) -> Response:
    """Make the decision the form chose and go to `done` with its notice; `reason_missing` is
    the message when a choice that needs a reason has none."""
    data = await request.form()
    reason = " ".join(str(data.get("reason") or "").split())
    form = {"reason": reason}
    outcome = outcomes.get(str(data.get("decision") or ""))
    if outcome is None:
        return await show_again(form=form, errors={"": page._("Choose a decision.")})
    if outcome.needs_reason and not reason:
        return await show_again(form=form, errors={"reason": reason_missing})
    result = await page.query(outcome.mutation, {"id": case_id, "reason": reason or None})
    if (result.data or {}).get(outcome.answer) is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(("reason",)) or {"": page._("The decision could not be made.")}
        return await show_again(form=form, errors=errors)
    return page.redirect(f"{done}?notice={outcome.notice}")
