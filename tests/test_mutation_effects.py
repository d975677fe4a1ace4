"""Where a mutation's effects go is declared with it (`effects(area, logs=...)`): every
change a mutation logs (what subscriptions hear and webhooks deliver) is one it declares,
and what it is named for is logged."""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from models import ChangeType
from models.types import utc_now
from schema import effects
from schema.schema import schema
from tests.conftest import Api

# Any write touching a customer may also start a next-best-action (a rule starts to hold).
STARTS = {ChangeType.ACTION_STARTED}


# Mutations the run below does not send, and why; every other one runs at least once.
NOT_RUN = {
    "replayWebhookDelivery": "needs a delivery the webhook task made (test_webhooks.py)",
    "bulkExport": "a job for the bulk worker; logs nothing itself (test_bulk_operations.py)",
    "stagedUpload": "an upload URL; logs nothing (test_bulk_operations.py)",
    "bulkImport": "a job whose lines run mutations run here (test_bulk_operations.py)",
    "cancelBulkOperation": "cancels a job; logs nothing (test_bulk_operations.py)",
}


def declared() -> dict[str, set[ChangeType]]:
    """Each mutation's declared change types, read from the served schema; every
    mutation declares them (`effects(area, logs=...)`), none is left out."""
    found: dict[str, set[ChangeType]] = {}
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    for name, field in mutation_type.fields.items():
        definition = field.extensions["strawberry-definition"]
        for extension in definition.extensions:
            for permission in getattr(extension, "permissions", []):
                if isinstance(permission, effects.Effects):
                    found[name] = set(permission.logs)
        assert name in found, f"{name} does not declare its effects: effects(area, logs=...)"
    return found


def test_every_mutation_declares_its_effects() -> None:
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert set(declared()) == set(mutation_type.fields)
    assert set(NOT_RUN) <= set(mutation_type.fields)


class Effects:
    """Runs mutations and keeps what each logged in the change log."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.after = 0
        self.logged: dict[str, set[ChangeType]] = {}
        self.declared = declared()

    async def run(self, name: str, document: str, **variables: Any) -> Any:
        data = (await self.api.query(document, variables))[name]
        assert data["userErrors"] == [], (name, data)
        async with self.api.backend.engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text("SELECT id, change_type FROM change_event WHERE id > :after"),
                    {"after": self.after},
                )
            ).all()
        self.after = max([self.after, *(row[0] for row in rows)])
        changes = {ChangeType(row[1]) for row in rows}
        assert changes <= self.declared[name], (name, changes, self.declared[name])
        self.logged.setdefault(name, set()).update(changes)
        return data


def iso(days_ago: float) -> str:
    return (utc_now() - timedelta(days=days_ago)).isoformat()


async def test_each_mutation_logs_only_what_it_declares(writable: Api) -> None:
    effects = Effects(writable)
    customer = "{ customer { id } userErrors { code } }"
    ticket = "{ ticket { id } userErrors { code } }"
    created = await effects.run(
        "createCustomer",
        f'mutation {{ createCustomer(input: {{name: "Effects"}}) {customer} }}',
    )
    who = created["customer"]["id"]
    await effects.run(
        "updateCustomer",
        f'mutation($id: ID!) {{ updateCustomer(id: $id, input: {{segment: "smb"}}) {customer} }}',
        id=who,
    )
    await effects.run(
        "recordTouchpoints",
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ created userErrors { code } } }",
        t=[
            {
                "customer": {"id": who},
                "occurredAt": iso(1),
                "channel": "WEB",
                "stage": "CONSIDERATION",
                "team": "MARKETING",
                "kind": "page_view",
                "source": "effects",
                "externalId": "1",
            }
        ],
    )
    opened = await effects.run(
        "openTicket",
        "mutation($c: ID!, $at: DateTime!) { openTicket(input: {customer: {id: $c}, "
        f'subject: "late", channel: CHAT, createdAt: $at}}) {ticket} }}',
        c=who,
        at=iso(40),
    )
    key = opened["ticket"]["id"]

    def move(name: str) -> str:
        return f"mutation($id: ID!) {{ {name}(id: $id) {ticket} }}"

    moves = ["respondToTicket", "setTicketPending", "recordCustomerContact"]
    for name in moves:
        await effects.run(name, move(name), id=key)
    await effects.run(
        "updateTicket",
        f'mutation($id: ID!) {{ updateTicket(id: $id, input: {{assignee: "ana"}}) {ticket} }}',
        id=key,
    )
    resolve = "mutation($id: ID!, $at: DateTime) { resolveTicket(id: $id, at: $at) " + ticket + " }"
    await effects.run("resolveTicket", resolve, id=key, at=iso(30))  # the follow-up missed
    await effects.run("reopenTicket", move("reopenTicket"), id=key)
    await effects.run("resolveTicket", resolve, id=key, at=None)
    await effects.run("closeTicket", move("closeTicket"), id=key)
    survey = await effects.run(
        "createSurvey",
        'mutation { createSurvey(input: {kind: NPS, question: "Recommend us?"}) '
        "{ survey { id } userErrors { code } } }",
    )
    for name, score, shown in (
        ("submitSurveyResponse", ", score: 9", "surveyResponse { id }"),
        ("sendSurveyInvitation", "", "token"),
    ):
        await effects.run(
            name,
            f"mutation($s: ID!, $c: ID!) {{ {name}(input: {{surveyId: $s, "
            f"customer: {{id: $c}}{score}}}) {{ {shown} userErrors {{ code }} }} }}",
            s=survey["survey"]["id"],
            c=who,
        )
    await effects.run(
        "setSlaPolicy",
        "mutation { setSlaPolicy(input: {priority: LOW, firstResponseSeconds: 60, "
        "resolutionSeconds: 120}) { policy { priority } userErrors { code } } }",
    )
    other = await effects.run(
        "createCustomer",
        f'mutation {{ createCustomer(input: {{name: "Other"}}) {customer} }}',
    )
    await effects.run(
        "mergeCustomers",
        "mutation($s: ID!, $m: ID!) { mergeCustomers(input: {survivorId: $s, mergedIds: [$m]}) "
        + customer
        + " }",
        s=who,
        m=other["customer"]["id"],
    )
    await effects.run(
        "unmergeCustomer",
        f"mutation($id: ID!) {{ unmergeCustomer(id: $id) {customer} }}",
        id=other["customer"]["id"],
    )
    shown = await writable.query(
        "{ customers(first: 5) { edges { node { id nextBestActions { kind } } } } }"
    )
    acting = next(
        edge["node"] for edge in shown["customers"]["edges"] if edge["node"]["nextBestActions"]
    )
    await effects.run(
        "dismissAction",
        "mutation($c: ID!, $k: ActionKind!, $u: DateTime!) { dismissAction(input: "
        '{customerId: $c, kind: $k, until: $u, reason: "called"}) { userErrors { code } } }',
        c=acting["id"],
        k=acting["nextBestActions"][0]["kind"],
        u=iso(-30),
    )
    endpoint = "{ endpoint { id } userErrors { code } }"
    hook = await effects.run(
        "createWebhookEndpoint",
        'mutation { createWebhookEndpoint(input: {url: "https://93.184.216.34/hook", '
        "eventTypes: [TICKET_OPENED], role: SUPPORT}) { endpoint { id } userErrors { code } } }",
    )
    hook_id = hook["endpoint"]["id"]
    for name, arguments in (
        ("setWebhookEndpointActive", "id: $id, active: false"),
        ("rotateWebhookSecret", "id: $id"),
    ):
        await effects.run(
            name, f"mutation($id: ID!) {{ {name}({arguments}) {endpoint} }}", id=hook_id
        )
    await effects.run(
        "deleteWebhookEndpoint",
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }",
        id=hook_id,
    )
    await effects.run(
        "eraseCustomer",
        "mutation($id: ID!) { eraseCustomer(id: $id) { erasedCustomerId userErrors { code } } }",
        id=who,
    )
    assert effects.logged["recordTouchpoints"] - STARTS == {ChangeType.TOUCHPOINT_RECORDED}
    assert ChangeType.TICKET_OPENED in effects.logged["openTicket"]
    assert ChangeType.FOLLOW_UP_MISSED in effects.logged["resolveTicket"]
    assert effects.logged["submitSurveyResponse"] - STARTS == {ChangeType.SURVEY_RESPONSE_RECORDED}
    assert effects.logged["sendSurveyInvitation"] - STARTS == {ChangeType.SURVEY_INVITATION_SENT}
    assert all(ChangeType.TICKET_UPDATED in effects.logged[name] for name in moves)
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert set(effects.logged) == set(mutation_type.fields) - set(NOT_RUN)
