"""The ticket lifecycle: NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED, RESOLVED may reopen.

Each move is a row of `MOVES`: which statuses it starts from and what it does. An
illegal move is refused with INVALID_TRANSITION and the moves the ticket allows now.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import ChangeType, Channel, Ticket, TicketPriority, TicketStatus
from models.types import utc_now
from resolvers import follow_ups, sla
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.writes import (
    INT_MAX,
    CustomerRef,
    Write,
    check_length,
    check_not_future,
    fail,
    require_customer,
)

NEW, OPEN, PENDING, RESOLVED, CLOSED = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)


def _respond(ticket: Ticket, at: datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    if ticket.status == NEW:
        ticket.status = OPEN


def _counted(count: int, name: str) -> int:
    """`count` + 1, refused at the largest number an Int can serve."""
    if count >= INT_MAX:
        raise fail(["id"], f"`{name}` of this ticket is at its limit ({INT_MAX}).")
    return count + 1


def _contact(ticket: Ticket, at: datetime) -> None:
    ticket.contact_count = _counted(ticket.contact_count, "contactCount")
    if ticket.status == PENDING:  # the customer answered: the ball is with support again
        ticket.status = OPEN


def _pending(ticket: Ticket, at: datetime) -> None:
    ticket.status = PENDING


def _resolve(ticket: Ticket, at: datetime) -> None:
    ticket.status, ticket.resolved_at = RESOLVED, at


def _reopen(ticket: Ticket, at: datetime) -> None:
    ticket.status, ticket.resolved_at = OPEN, None
    ticket.reopen_count = _counted(ticket.reopen_count, "reopenCount")


def _close(ticket: Ticket, at: datetime) -> None:
    ticket.status, ticket.closed_at = CLOSED, at


@dataclass(frozen=True)
class Move:
    allowed_from: tuple[TicketStatus, ...]
    apply: Callable[[Ticket, datetime], None]
    result: str


MOVES: dict[str, Move] = {
    "respondToTicket": Move((NEW, OPEN, PENDING), _respond, "first response (NEW -> OPEN)"),
    "recordCustomerContact": Move((NEW, OPEN, PENDING), _contact, "contact + 1 (PENDING -> OPEN)"),
    "setTicketPending": Move((OPEN,), _pending, "-> PENDING"),
    "resolveTicket": Move((OPEN,), _resolve, "-> RESOLVED"),
    "reopenTicket": Move((RESOLVED,), _reopen, "-> OPEN"),
    "closeTicket": Move((RESOLVED,), _close, "-> CLOSED"),
    "updateTicket": Move((NEW, OPEN, PENDING, RESOLVED), lambda _t, _at: None, "edit fields"),
}


# Ticket durations are served as whole seconds in an Int (`firstResponseSeconds`).
MAX_SPAN = timedelta(seconds=INT_MAX)


def check_span(created_at: datetime, moment: datetime, path: list[str]) -> None:
    """Every time of a ticket lies within `MAX_SPAN` (about 68 years) of its creation."""
    if moment - created_at > MAX_SPAN:
        raise fail(
            path,
            f"`{path[-1]}`: a ticket's times lie within {INT_MAX} seconds (about 68 years) "
            "of its creation (durations are served in whole seconds as an Int).",
        )


def allowed_moves(status: TicketStatus) -> list[str]:
    return [
        f"{name} ({move.result})" for name, move in MOVES.items() if status in move.allowed_from
    ]


async def _locked_ticket(write: Write, key: uuid.UUID) -> Ticket:
    ticket = await write.session.get(Ticket, key, with_for_update=FOR_NO_KEY_UPDATE)
    if ticket is None:
        raise fail(["id"], "No ticket has this id.", "NOT_FOUND")
    return ticket


async def move_ticket(
    write: Write, name: str, key: uuid.UUID, at: datetime | None = None
) -> Ticket:
    move = MOVES[name]
    ticket = await _locked_ticket(write, key)
    if ticket.status not in move.allowed_from:
        allowed = allowed_moves(ticket.status)
        raise fail(
            ["id"],
            f"`{name}` is not possible on a {ticket.status.value} ticket; allowed now: "
            + (", ".join(allowed) if allowed else "nothing, a CLOSED ticket is final")
            + ".",
            "INVALID_TRANSITION",
        )
    moment = at or utc_now()
    check_not_future(at, ["at"])
    earliest = ticket.resolved_at if name == "closeTicket" else ticket.created_at
    if at is not None and earliest is not None and at < earliest:
        raise fail(
            ["at"],
            f"`at` precedes the ticket's {'resolution' if name == 'closeTicket' else 'creation'} "
            f"({earliest.isoformat()}); give a later time.",
        )
    check_span(ticket.created_at, moment, ["at"] if at is not None else ["id"])
    move.apply(ticket, moment)
    ticket.updated_at = utc_now()
    await write.session.flush()
    await follow_ups.after_move(write, name, ticket)
    write.audit(name, [f"Ticket:{ticket.id}"], status=ticket.status.value)
    write.changed(ChangeType.TICKET_UPDATED, ticket)
    return ticket


@dataclass(frozen=True)
class TicketChanges:
    priority: TicketPriority | None = None
    assignee: str | None = None
    clear_assignee: bool = False
    subject: str | None = None


async def update_ticket(write: Write, key: uuid.UUID, changes: TicketChanges) -> Ticket:
    check_length(changes.subject, 300, ["input", "subject"], required=True)
    check_length(changes.assignee, 200, ["input", "assignee"])
    ticket = await move_ticket(write, "updateTicket", key)
    fields = []
    if changes.priority is not None:
        if changes.priority != ticket.priority:  # the due times move, still from createdAt
            sla.set_due_times(ticket, await sla.policy_for(write, changes.priority))
        ticket.priority = changes.priority
        fields.append("priority")
    if changes.assignee is not None or changes.clear_assignee:
        ticket.assignee = changes.assignee.strip() if changes.assignee else None
        fields.append("assignee")
    if changes.subject is not None:
        ticket.subject = changes.subject.strip()
        fields.append("subject")
    await write.session.flush()
    return ticket


@dataclass(frozen=True)
class NewTicket:
    customer: CustomerRef
    subject: str
    channel: Channel
    priority: TicketPriority = TicketPriority.NORMAL
    assignee: str | None = None
    created_at: datetime | None = None


async def open_ticket(write: Write, data: NewTicket) -> Ticket:
    check_length(data.subject, 300, ["input", "subject"], required=True)
    check_length(data.assignee, 200, ["input", "assignee"])
    check_not_future(data.created_at, ["input", "createdAt"])
    if data.created_at is not None:
        check_span(data.created_at, utc_now(), ["input", "createdAt"])
    customer_id = await require_customer(write.session, data.customer, ["input", "customer"])
    now = utc_now()
    created_at = data.created_at or now
    due = sla.due_times(created_at, await sla.policy_for(write, data.priority))
    ticket = Ticket(
        customer_id=customer_id,
        subject=data.subject.strip(),
        channel=data.channel,
        priority=data.priority,
        assignee=(data.assignee or "").strip() or None,
        created_at=created_at,
        updated_at=now,
        first_response_due_at=due.first_response_due_at,
        resolution_due_at=due.resolution_due_at,
        first_response_at_risk_at=due.first_response_at_risk_at,
        resolution_at_risk_at=due.resolution_at_risk_at,
    )
    write.session.add(ticket)
    await write.session.flush()
    write.audit("openTicket", [f"Ticket:{ticket.id}", f"Customer:{customer_id}"])
    write.changed(ChangeType.TICKET_OPENED, ticket)
    return ticket
