"""Dismissing a next-best-action (docs/domain.md "Next-best-actions"): until a date, with
a reason, audited; by ADMIN or a role of the action's team. The dismissal keeps the
action's reason as it was: a recomputation that words it differently (its facts changed)
shows the action again at once (resolvers.actions). An action that started in the
dismissing transaction itself (time alone started it, the scheduler had not yet looked) is
not announced: it is dismissed before anyone hears of it."""

from dataclasses import dataclass
from datetime import datetime

from models import NextAction, Role
from models.types import utc_now
from resolvers import actions, health_state
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.writes import (
    CustomerRef,
    Write,
    check_length,
    fail,
    require_customer,
)

REASON_LIMIT = 500


@dataclass(frozen=True)
class Dismissal:
    customer: CustomerRef
    kind: str
    until: datetime
    reason: str


async def dismiss(write: Write, data: Dismissal) -> NextAction:
    check_length(data.reason, REASON_LIMIT, ["input", "reason"], required=True)
    if data.until <= utc_now():
        raise fail(["input", "until"], "`until` must be in the future.")
    customer_id = await require_customer(write.session, data.customer, ["input", "customerId"])
    await health_state.refresh(write.session, [customer_id])  # current facts first
    write.changes.extend(await actions.refresh(write.session, [customer_id]))
    action = await write.session.get(
        NextAction,
        (customer_id, data.kind),
        with_for_update=FOR_NO_KEY_UPDATE,
        populate_existing=True,
    )
    if action is None or action.dismissed_until is not None:
        raise fail(
            ["input", "kind"],
            f"the customer has no {data.kind} action shown now; see `Customer.nextBestActions`.",
            "NOT_FOUND",
        )
    role = write.actor.role
    if role != Role.ADMIN and role.value != action.team.value:
        raise fail(
            ["input", "kind"],
            f"a {data.kind} action is for the {action.team.value} team: dismissed by that "
            "team's role or ADMIN.",
            "FORBIDDEN",
        )
    action.dismissed_until = data.until
    action.dismiss_reason = data.reason
    action.dismissed_facts = action.reason
    # Started by this very transaction and dismissed in it: never announced.
    write.changes[:] = [c for c in write.changes if c.record_id != action.start_id]
    await write.session.flush()
    write.touch(customer_id)  # recomputed as it commits: its next check is `until` at latest
    # The reason is free text a person typed, which may name the customer: it is kept on
    # the action (`dismiss_reason`), and the audit log, which every ADMIN reads and
    # which outlives an erasure, records who dismissed what until when.
    write.audit(
        "dismissAction",
        [f"Customer:{customer_id}"],
        kind=data.kind,
        until=data.until.isoformat(),
    )
    return action
