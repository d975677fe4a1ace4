"""The ticket state machine, its timestamps and its refusals."""

import uuid
from typing import Any

from schema.node import to_global_id
from tests.conftest import Api

TICKET = (
    "ticket { id status firstResponseAt resolvedAt closedAt contactCount reopenCount "
    "assignee priority subject createdAt firstResponseSeconds resolvedOnFirstContact } "
    "userErrors { field message code }"
)


async def open_ticket(api: Api, **fields: Any) -> dict[str, Any]:
    customer = await api.query(
        'mutation($e: String!) { createCustomer(input: {name: "T", email: $e}) { customer { id } } }',
        {"e": f"t-{uuid.uuid4().hex}@x.example"},
    )
    result = await api.query(
        f"mutation($input: OpenTicketInput!) {{ openTicket(input: $input) {{ {TICKET} }} }}",
        {
            "input": {
                "customer": {"id": customer["createCustomer"]["customer"]["id"]},
                "subject": "Cannot log in",
                "channel": "EMAIL",
                **fields,
            }
        },
    )
    assert result["openTicket"]["userErrors"] == []
    return result["openTicket"]["ticket"]


async def move(api: Api, name: str, ticket_id: str, at: str | None = None) -> dict[str, Any]:
    arguments = "id: $id" + (", at: $at" if at else "")
    declared = "$id: ID!" + (", $at: DateTime" if at else "")
    data = await api.query(
        f"mutation({declared}) {{ {name}({arguments}) {{ {TICKET} }} }}",
        {"id": ticket_id, "at": at},
    )
    return data[name]


async def test_full_lifecycle_with_timings(writable: Api) -> None:
    ticket = await open_ticket(writable, createdAt="2026-10-01T08:00:00Z", priority="HIGH")
    assert ticket["status"] == "NEW" and ticket["priority"] == "HIGH"
    responded = (await move(writable, "respondToTicket", ticket["id"], "2026-10-01T08:30:00Z"))[
        "ticket"
    ]
    assert responded["status"] == "OPEN"
    assert responded["firstResponseAt"] == "2026-10-01T08:30:00+00:00"
    assert responded["firstResponseSeconds"] == 1800
    again = (await move(writable, "respondToTicket", ticket["id"], "2026-10-01T09:00:00Z"))[
        "ticket"
    ]
    assert again["firstResponseAt"] == "2026-10-01T08:30:00+00:00"  # set once
    assert (await move(writable, "setTicketPending", ticket["id"]))["ticket"]["status"] == "PENDING"
    contacted = (await move(writable, "recordCustomerContact", ticket["id"]))["ticket"]
    assert (contacted["status"], contacted["contactCount"]) == ("OPEN", 2)
    resolved = (await move(writable, "resolveTicket", ticket["id"], "2026-10-02T08:00:00Z"))[
        "ticket"
    ]
    assert resolved["status"] == "RESOLVED" and resolved["resolvedOnFirstContact"] is False
    reopened = (await move(writable, "reopenTicket", ticket["id"]))["ticket"]
    assert (reopened["status"], reopened["reopenCount"], reopened["resolvedAt"]) == (
        "OPEN",
        1,
        None,
    )
    await move(writable, "resolveTicket", ticket["id"], "2026-10-03T08:00:00Z")
    closed = (await move(writable, "closeTicket", ticket["id"], "2026-10-04T08:00:00Z"))["ticket"]
    assert closed["status"] == "CLOSED" and closed["closedAt"] == "2026-10-04T08:00:00+00:00"

    final = await move(writable, "reopenTicket", ticket["id"])
    assert final["ticket"] is None
    assert final["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert "CLOSED ticket is final" in final["userErrors"][0]["message"]


async def test_illegal_moves_name_the_allowed_ones_and_change_nothing(writable: Api) -> None:
    ticket = await open_ticket(writable)
    refused = await move(writable, "resolveTicket", ticket["id"])
    (error,) = refused["userErrors"]
    assert error["code"] == "INVALID_TRANSITION" and error["field"] == ["id"]
    assert "respondToTicket" in error["message"] and "NEW" in error["message"]
    assert (await move(writable, "setTicketPending", ticket["id"]))["userErrors"][0]["code"] == (
        "INVALID_TRANSITION"
    )
    state = await writable.query(
        "query($id: ID!) { node(id: $id) { ... on Ticket { status resolvedAt } } }",
        {"id": ticket["id"]},
    )
    assert state["node"] == {"status": "NEW", "resolvedAt": None}


async def test_import_times_cannot_precede_creation_or_lie_in_the_future(writable: Api) -> None:
    ticket = await open_ticket(writable, createdAt="2026-10-01T08:00:00Z")
    early = await move(writable, "respondToTicket", ticket["id"], "2026-09-30T08:00:00Z")
    assert (
        early["userErrors"][0]["field"] == ["at"]
        and "precedes" in early["userErrors"][0]["message"]
    )
    future = await move(writable, "respondToTicket", ticket["id"], "2099-01-01T00:00:00Z")
    assert future["userErrors"][0]["field"] == ["at"]
    opened = await writable.query(
        'mutation { openTicket(input: {customer: {email: "none@x.example"}, subject: "x", '
        'channel: CHAT, createdAt: "2099-01-01T00:00:00Z"}) { ticket { id } userErrors { field code } } }'
    )
    assert opened["openTicket"]["userErrors"][0]["field"] == ["input", "createdAt"]


async def test_update_ticket_fields_and_unassign(writable: Api) -> None:
    ticket = await open_ticket(writable, assignee="alex@support")
    data = await writable.query(
        f'mutation($id: ID!) {{ updateTicket(id: $id, input: {{priority: URGENT, subject: "VIP"}}) {{ {TICKET} }} }}',
        {"id": ticket["id"]},
    )
    updated = data["updateTicket"]["ticket"]
    assert (updated["priority"], updated["subject"], updated["assignee"]) == (
        "URGENT",
        "VIP",
        "alex@support",
    )
    data = await writable.query(
        f"mutation($id: ID!) {{ updateTicket(id: $id, input: {{assignee: null}}) {{ {TICKET} }} }}",
        {"id": ticket["id"]},
    )
    assert data["updateTicket"]["ticket"]["assignee"] is None


async def test_unknown_tickets_and_customers_are_not_found(writable: Api) -> None:
    missing = await move(writable, "respondToTicket", to_global_id("Ticket", uuid.uuid4()))
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"
    opened = await writable.query(
        'mutation { openTicket(input: {customer: {email: "none@x.example"}, subject: "x", channel: CHAT}) '
        "{ ticket { id } userErrors { field code } } }"
    )
    assert opened["openTicket"]["userErrors"] == [
        {"field": ["input", "customer"], "code": "NOT_FOUND"}
    ]
