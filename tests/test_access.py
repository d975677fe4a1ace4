"""The role table, checked for every role: reads, personal data and every mutation."""

import re
import uuid
from typing import Any

import pytest

from models import Role
from schema.node import to_global_id
from schema.permissions import PERSONAL_DATA_ROLES, READS, WRITES, Area
from tests.conftest import Api

# A query per guarded read: (area or areas needed, document)
GUARDED_READS: dict[str, tuple[tuple[Area, ...], str]] = {
    "tickets": ((Area.TICKETS,), "{ tickets(first: 1) { totalCount } }"),
    "surveys": ((Area.SURVEYS,), "{ surveys(first: 1) { totalCount } }"),
    "metrics": ((Area.METRICS,), "{ metrics { ticketVolume } }"),
    "metricsSeries": ((Area.METRICS,), "{ metricsSeries(interval: MONTH) { start } }"),
    "journeyFunnel": ((Area.METRICS,), "{ journeyFunnel { reached } }"),
    "auditLog": ((Area.AUDIT,), "{ auditLog(first: 1) { totalCount } }"),
    "customer.tickets": (
        (Area.TICKETS,),
        "{ customers(first: 1) { edges { node { tickets { totalCount } } } } }",
    ),
    "customer.surveyResponses": (
        (Area.SURVEYS,),
        "{ customers(first: 1) { edges { node { surveyResponses { totalCount } } } } }",
    ),
    "customer.metrics": (
        (Area.METRICS,),
        "{ customers(first: 1) { edges { node { metrics { nps } } } } }",
    ),
    "customer.health": (
        (Area.METRICS,),
        "{ customers(first: 1) { edges { node { health { score } } } } }",
    ),
}


async def body(
    api: Api, query: str, role: Role, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await api.post(query, variables, role=role)
    assert response.status_code == 200, response.text
    return response.json()


def forbidden_paths(result: dict[str, Any]) -> list[list[Any]]:
    return [e["path"] for e in result.get("errors", []) if e["extensions"]["code"] == "FORBIDDEN"]


# Nullable fields: a refusal nulls only them. The contract's other guarded fields are
# non-null, so GraphQL carries the null up to the nearest nullable parent.
NULLABLE = {"auditLog"}


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_reads_exactly_its_areas(api: Api, role: Role) -> None:
    for name, (areas, query) in GUARDED_READS.items():
        result = await body(api, "{ viewer { role } " + query[1:], role)
        allowed = all(area in READS[role] for area in areas)
        if allowed:
            assert "errors" not in result, (role, name, result)
            continue
        paths = forbidden_paths(result)
        assert paths and paths[0][0] == name.split(".")[0].replace("customer", "customers"), (
            role,
            name,
            result,
        )
        message = result["errors"][0]["message"]
        # Which field, and who may: e.g. "This key's role (PARTNER) may not read
        # Customer.health (metrics); roles that may: ADMIN, SUPPORT, SALES, ANALYST."
        assert f"This key's role ({role.value}) may not read " in message, message
        assert "roles that may: ADMIN" in message, message
        if name in NULLABLE:  # the rest of the response is still served
            assert result["data"] == {"viewer": {"role": role.value}, name: None}


@pytest.mark.parametrize("role", list(Role))
async def test_personal_data_is_masked_or_hidden_for_roles_without_it(api: Api, role: Role) -> None:
    row = next(c for c in api.backend.data.customers if c["phone"] and c["email"])
    commented = next(r for r in api.backend.data.responses if r["comment"])
    result = await body(
        api,
        """query($c: ID!, $r: ID!) { customer(id: $c) { email phone name }
        node(id: $r) { ... on SurveyResponse { score comment } } }""",
        role,
        {
            "c": to_global_id("Customer", row["id"]),
            "r": to_global_id("SurveyResponse", commented["id"]),
        },
    )
    customer = result["data"]["customer"]
    if role in PERSONAL_DATA_ROLES:
        assert (customer["email"], customer["phone"]) == (row["email"], row["phone"])
        if Area.SURVEYS in READS[role]:
            assert result["data"]["node"]["comment"] == commented["comment"]
        return
    local, domain = row["email"].split("@")
    assert customer["email"] == f"{local[0]}***@{domain}"
    assert re.fullmatch(r"\+\d{1,3} ••• ••• \d{3}", customer["phone"]) and customer[
        "phone"
    ].endswith(row["phone"][-3:])
    assert customer["name"] == row["name"]
    if Area.SURVEYS in READS[role]:
        assert result["data"]["node"] == {"score": commented["score"], "comment": None}
        assert ["node", "comment"] in forbidden_paths(result)
    else:
        assert result["data"]["node"] is None and ["node"] in forbidden_paths(result)


async def test_search_does_not_match_emails_for_roles_without_personal_data(api: Api) -> None:
    row = next(c for c in api.backend.data.customers if c["email"])
    term = row["email"].split("@")[0]  # first.last.N: only in the email
    query = "query($t: String!) { customers(filter: {search: $t}) { totalCount } }"
    assert (await body(api, query, Role.SUPPORT, {"t": term}))["data"]["customers"][
        "totalCount"
    ] >= 1
    assert (await body(api, query, Role.ANALYST, {"t": term}))["data"]["customers"][
        "totalCount"
    ] == 0


async def test_nodes_of_forbidden_types_are_refused_whether_or_not_they_exist(api: Api) -> None:
    real = to_global_id("Ticket", api.backend.data.tickets[0]["id"])
    fake = to_global_id("Ticket", uuid.uuid4())
    for ticket in (real, fake):
        result = await body(
            api, "query($t: ID!) { node(id: $t) { id } }", Role.PARTNER, {"t": ticket}
        )
        assert result["data"]["node"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert result["errors"][0]["message"] == (
            "This key's role (PARTNER) may not read Ticket (tickets); "
            "roles that may: ADMIN, SUPPORT, SALES, MARKETING, ANALYST."
        )
    customer = to_global_id("Customer", api.backend.data.customers[0]["id"])
    allowed = await body(
        api, "query($c: ID!) { node(id: $c) { id } }", Role.PARTNER, {"c": customer}
    )
    assert allowed["data"]["node"] == {"id": customer}
    # In `nodes`, only the refused ids are null, each with its error; the rest answer.
    mixed = await body(
        api,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        Role.PARTNER,
        {"ids": [customer, real, customer]},
    )
    assert mixed["data"]["nodes"] == [{"id": customer}, None, {"id": customer}]
    assert [(e["path"], e["extensions"]["code"]) for e in mixed["errors"]] == [
        (["nodes", 1], "FORBIDDEN")
    ]
    # So is a malformed id, its error naming its place in the list.
    mixed = await body(
        api,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        Role.PARTNER,
        {"ids": [customer, "zzz", real]},
    )
    assert mixed["data"]["nodes"] == [{"id": customer}, None, None]
    assert [(e["path"], e["extensions"]) for e in mixed["errors"]] == [
        (["nodes", 1], {"code": "INVALID_ID", "argument": "ids[1]"}),
        (["nodes", 2], {"code": "FORBIDDEN"}),
    ]


def _unknown(type_name: str) -> str:
    return to_global_id(type_name, uuid.uuid4())


# Every mutation with input that would write nothing even where allowed: (area, document).
MUTATIONS: dict[str, tuple[Area, str]] = {
    "createCustomer": (
        Area.CUSTOMERS,
        'mutation { createCustomer(input: {name: " "}) { userErrors { code } } }',
    ),
    "updateCustomer": (
        Area.CUSTOMERS,
        f'mutation {{ updateCustomer(id: "{_unknown("Customer")}", input: {{name: "x"}}) {{ userErrors {{ code }} }} }}',
    ),
    "mergeCustomers": (
        Area.CUSTOMERS,
        f'mutation {{ mergeCustomers(input: {{survivorId: "{_unknown("Customer")}", mergedIds: []}}) {{ userErrors {{ code }} }} }}',
    ),
    "unmergeCustomer": (
        Area.CUSTOMERS,
        f'mutation {{ unmergeCustomer(id: "{_unknown("Customer")}") {{ userErrors {{ code }} }} }}',
    ),
    "eraseCustomer": (
        Area.ERASURE,
        f'mutation {{ eraseCustomer(id: "{_unknown("Customer")}") {{ userErrors {{ code }} }} }}',
    ),
    "recordTouchpoints": (
        Area.TOUCHPOINTS,
        "mutation { recordTouchpoints(touchpoints: []) { userErrors { code } } }",
    ),
    "openTicket": (
        Area.TICKETS,
        'mutation { openTicket(input: {customer: {email: "nobody@x.example"}, subject: "x", channel: CHAT}) { userErrors { code } } }',
    ),
    "updateTicket": (
        Area.TICKETS,
        f'mutation {{ updateTicket(id: "{_unknown("Ticket")}", input: {{subject: "x"}}) {{ userErrors {{ code }} }} }}',
    ),
    **{
        name: (
            Area.TICKETS,
            f'mutation {{ {name}(id: "{_unknown("Ticket")}") {{ userErrors {{ code }} }} }}',
        )
        for name in (
            "respondToTicket",
            "recordCustomerContact",
            "setTicketPending",
            "resolveTicket",
            "reopenTicket",
            "closeTicket",
        )
    },
    "createSurvey": (
        Area.SURVEYS,
        'mutation { createSurvey(input: {kind: NPS, question: " "}) { userErrors { code } } }',
    ),
    "submitSurveyResponse": (
        Area.SURVEY_RESPONSES,
        f'mutation {{ submitSurveyResponse(input: {{surveyId: "{_unknown("Survey")}", customer: {{email: "n@x.example"}}, score: 1}}) {{ userErrors {{ code }} }} }}',
    ),
    "createWebhookEndpoint": (
        Area.WEBHOOKS,
        'mutation { createWebhookEndpoint(input: {url: "ftp://x", eventTypes: [TOUCHPOINT_RECORDED]}) { userErrors { code } } }',
    ),
    "setWebhookEndpointActive": (
        Area.WEBHOOKS,
        f'mutation {{ setWebhookEndpointActive(id: "{_unknown("WebhookEndpoint")}", active: false) {{ userErrors {{ code }} }} }}',
    ),
    "setSlaPolicy": (
        Area.SLA_POLICIES,
        "mutation { setSlaPolicy(input: {priority: LOW, firstResponseSeconds: 0, "
        "resolutionSeconds: 60}) { userErrors { code } } }",
    ),
    "sendSurveyInvitation": (
        Area.SURVEY_INVITATIONS,
        f'mutation {{ sendSurveyInvitation(input: {{surveyId: "{_unknown("Survey")}", customer: {{email: "n@x.example"}}}}) {{ userErrors {{ code }} }} }}',
    ),
    "dismissAction": (
        Area.ACTIONS,
        f'mutation {{ dismissAction(input: {{customerId: "{_unknown("Customer")}", kind: RE_ENGAGE, until: "2099-01-01", reason: "x"}}) {{ userErrors {{ code }} }} }}',
    ),
    **{
        name: (
            Area.WEBHOOKS,
            f'mutation {{ {name}(id: "{_unknown(type_name)}") {{ userErrors {{ code }} }} }}',
        )
        for name, type_name in (
            ("rotateWebhookSecret", "WebhookEndpoint"),
            ("deleteWebhookEndpoint", "WebhookEndpoint"),
            ("replayWebhookDelivery", "WebhookDelivery"),
        )
    },
}


# Every key may start, list and cancel its own bulk operations: an export runs under the
# key's role, an import needs the imported mutation's write permission (test_bulk_operations).
OWN_BULK_OPERATIONS = {"bulkExport", "bulkImport", "stagedUpload", "cancelBulkOperation"}


def test_the_mutation_list_covers_every_mutation() -> None:
    from schema.schema import schema

    served = set(schema._schema.mutation_type.fields)  # type: ignore[union-attr]
    assert set(MUTATIONS) | OWN_BULK_OPERATIONS == served


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_writes_exactly_its_areas_and_refusals_touch_nothing(
    writable: Api, role: Role
) -> None:
    for name, (area, document) in MUTATIONS.items():
        writable.statements.clear()
        result = await body(writable, document, role)
        if area in WRITES[role]:
            assert result["data"][name]["userErrors"], (role, name, result)
        else:
            assert result["data"] is None, (role, name)
            assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert result["errors"][0]["path"] == [name]
            # only the key lookup ran: the refusal came before the resolver
            assert len(writable.statements) == 1 and "api_key" in writable.statements[0]


def test_docs_security_is_generated_from_the_rules(repo_root: Any) -> None:
    from api.docs import security_markdown

    assert (repo_root / "docs" / "security.md").read_text() == security_markdown(), (
        "docs/security.md is stale: run `make schema`"
    )


def test_docs_configuration_is_generated_from_the_settings(repo_root: Any) -> None:
    from api.docs import configuration_markdown

    assert (repo_root / "docs" / "configuration.md").read_text() == configuration_markdown(), (
        "docs/configuration.md is stale: run `make schema`"
    )
