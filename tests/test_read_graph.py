"""The read side of the contract, checked against the rows that were seeded."""

import base64
import uuid
from decimal import Decimal

import sqlalchemy as sa

from models import JourneyStage, TicketStatus
from models.enums import PRIORITY_ORDER
from schema.node import to_global_id
from tests.conftest import SEED_CUSTOMERS, Api


def customer_id(row: dict) -> str:
    return to_global_id("Customer", row["id"])


def purchases_of(api: Api, key: uuid.UUID) -> Decimal:
    return sum(
        (
            t["value_cents"]
            for t in api.backend.data.touchpoints
            if t["customer_id"] == key and t["kind"] == "purchase"
        ),
        Decimal("0.00"),
    )


CUSTOMER_FIELDS = (
    "id name email stage segment createdAt churnedAt lifetimeValue externalIds { source id }"
)


async def test_customer_lookups_by_id_email_and_external_id_agree(api: Api) -> None:
    row = api.backend.data.customers[3]
    external = next(e for e in api.backend.data.external_ids if e["customer_id"] == row["id"])
    data = await api.query(
        f"""query($id: ID!, $email: String!, $source: String!, $ext: String!) {{
          byId: customer(id: $id) {{ {CUSTOMER_FIELDS} }}
          byEmail: customerByEmail(email: $email) {{ id }}
          byExternal: customerByExternalId(source: $source, id: $ext) {{ id }}
          missing: customerByEmail(email: "nobody@nowhere.example") {{ id }}
        }}""",
        {
            "id": customer_id(row),
            "email": f"  {row['email'].upper()} ",
            "source": external["source"],
            "ext": external["external_id"],
        },
    )
    customer = data["byId"]
    assert customer["name"] == row["name"]
    assert customer["email"] == row["email"]
    assert customer["stage"] == row["stage"].value
    assert Decimal(customer["lifetimeValue"]) == purchases_of(api, row["id"])
    assert {"source": external["source"], "id": external["external_id"]} in customer["externalIds"]
    assert data["byEmail"]["id"] == data["byExternal"]["id"] == customer["id"]
    assert data["missing"] is None


async def test_every_node_type_round_trips_through_node_and_nodes(api: Api) -> None:
    data = api.backend.data
    ids = [
        to_global_id("Customer", data.customers[0]["id"]),
        to_global_id("Touchpoint", data.touchpoints[0]["id"]),
        to_global_id("Ticket", data.tickets[0]["id"]),
        to_global_id("Survey", data.surveys[0]["id"]),
        to_global_id("SurveyResponse", data.responses[0]["id"]),
    ]
    result = await api.query(
        """query($ids: [ID!]!, $one: ID!) {
          nodes(ids: $ids) { __typename id }
          node(id: $one) { id ... on Ticket { subject } }
        }""",
        {"ids": ids, "one": ids[2]},
    )
    assert [n["__typename"] for n in result["nodes"]] == [
        "Customer",
        "Touchpoint",
        "Ticket",
        "Survey",
        "SurveyResponse",
    ]
    assert [n["id"] for n in result["nodes"]] == ids
    assert result["node"]["subject"] == data.tickets[0]["subject"]


async def test_ids_of_another_type_or_of_nothing_read_as_missing(api: Api) -> None:
    ticket = to_global_id("Ticket", api.backend.data.tickets[0]["id"])
    unknown = to_global_id("Customer", uuid.uuid4())
    forged = base64.b64encode(f"ApiKey:{uuid.uuid4()}".encode()).decode()
    data = await api.query(
        "query($t: ID!, $u: ID!, $f: ID!) { customer(id: $t) { id } a: node(id: $u) { id } "
        "b: node(id: $f) { id } nodes(ids: [$u, $f]) { id } }",
        {"t": ticket, "u": unknown, "f": forged},
    )
    assert data == {"customer": None, "a": None, "b": None, "nodes": [None, None]}


async def test_malformed_ids_name_the_argument(api: Api) -> None:
    errors = await api.errors('{ customer(id: "not an id!") { id } }')
    assert errors[0]["extensions"] == {"code": "INVALID_ID", "argument": "id"}
    assert "`id`" in errors[0]["message"]


async def test_merged_customer_ids_resolve_to_the_survivor(api: Api) -> None:
    survivor, merged = api.backend.data.customers[10], api.backend.data.customers[11]
    async with api.backend.engine.begin() as connection:
        await connection.execute(
            sa.text("UPDATE customer SET merged_into_id = :s WHERE id = :m"),
            {
                "s": survivor["id"].hex if api.backend.name == "sqlite" else survivor["id"],
                "m": merged["id"].hex if api.backend.name == "sqlite" else merged["id"],
            },
        )
    try:
        data = await api.query(
            "query($m: ID!) { customer(id: $m) { id name } node(id: $m) { id } "
            "customers(first: 100) { totalCount edges { node { id } } } }",
            {"m": customer_id(merged)},
        )
        assert data["customer"]["id"] == customer_id(survivor) == data["node"]["id"]
        listed = {e["node"]["id"] for e in data["customers"]["edges"]}
        assert customer_id(merged) not in listed
        assert data["customers"]["totalCount"] == len(api.backend.data.customers) - 1
    finally:
        async with api.backend.engine.begin() as connection:
            await connection.execute(sa.text("UPDATE customer SET merged_into_id = NULL"))


async def test_customer_filters_match_the_rows(api: Api) -> None:
    rows = api.backend.data.customers
    term = next(r["company"] for r in rows if r["company"]).split()[0][1:5]
    data = await api.query(
        """query($term: String!) {
          enterprise: customers(filter: {segment: "enterprise"}) { totalCount }
          retained: customers(filter: {stage: RETENTION}) { totalCount }
          churned: customers(filter: {churned: true}) { totalCount }
          active: customers(filter: {churned: false}) { totalCount }
          search: customers(filter: {search: $term}, first: 100) { edges { node { company email name } } }
        }""",
        {"term": term.upper()},
    )
    assert data["enterprise"]["totalCount"] == sum(r["segment"] == "enterprise" for r in rows)
    assert data["retained"]["totalCount"] == sum(r["stage"] == JourneyStage.RETENTION for r in rows)
    churned = sum(r["churned_at"] is not None for r in rows)
    assert data["churned"]["totalCount"] == churned
    assert data["active"]["totalCount"] == len(rows) - churned
    expected = sum(
        term.lower() in " ".join(filter(None, (r["name"], r["email"], r["company"]))).lower()
        for r in rows
    )
    assert len(data["search"]["edges"]) == expected > 0


async def test_paging_by_lifetime_value_visits_every_customer_once_in_order(api: Api) -> None:
    seen: list[tuple[Decimal, str]] = []
    after = None
    while True:
        data = await api.query(
            """query($after: String) { customers(first: 7, after: $after,
                orderBy: {field: LIFETIME_VALUE, direction: DESC}) {
                totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
                edges { cursor node { id lifetimeValue } } } }""",
            {"after": after},
        )
        page = data["customers"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        seen += [(Decimal(e["node"]["lifetimeValue"]), e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len({i for _, i in seen}) == page["totalCount"] == SEED_CUSTOMERS
    values = [v for v, _ in seen]
    assert values == sorted(values, reverse=True)
    expected = sorted(
        (purchases_of(api, r["id"]) for r in api.backend.data.customers), reverse=True
    )
    assert values == expected


async def test_customers_order_by_name_ascending(api: Api) -> None:
    data = await api.query(
        "{ customers(first: 100, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } } }"
    )
    names = [e["node"]["name"] for e in data["customers"]["edges"]]
    assert names == sorted(r["name"] for r in api.backend.data.customers)[:100]


async def test_touchpoint_filters_are_newest_first(api: Api) -> None:
    data = await api.query(
        """{ touchpoints(first: 100, filter: {kind: ["purchase"], channel: [WEB],
              from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00+00:00"}) {
             totalCount edges { node { kind channel occurredAt value currency customer { id } } } } }"""
    )
    rows = [
        t
        for t in api.backend.data.touchpoints
        if t["kind"] == "purchase"
        and t["channel"].value == "WEB"
        and "2026-01-01" <= t["occurred_at"].isoformat() < "2026-07-01"
    ]
    connection = data["touchpoints"]
    assert connection["totalCount"] == len(rows) > 0
    times = [e["node"]["occurredAt"] for e in connection["edges"]]
    assert times == sorted(times, reverse=True)
    assert all(e["node"]["value"] and e["node"]["currency"] == "USD" for e in connection["edges"])


async def test_support_queue_orders_by_priority_then_oldest(api: Api) -> None:
    data = await api.query(
        """{ tickets(first: 100, filter: {status: [NEW, OPEN, PENDING]},
              orderBy: {field: PRIORITY, direction: DESC}) {
             totalCount edges { node { priority createdAt status } } } }"""
    )
    open_rows = [
        t
        for t in api.backend.data.tickets
        if t["status"] in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
    ]
    edges = [e["node"] for e in data["tickets"]["edges"]]
    assert data["tickets"]["totalCount"] == len(open_rows) == len(edges) > 0
    rank = {p.value: i for i, p in enumerate(PRIORITY_ORDER)}
    keys = [(-rank[t["priority"]], t["createdAt"]) for t in edges]
    assert keys == sorted(keys)


async def test_ticket_derived_fields(api: Api) -> None:
    row = next(
        t
        for t in api.backend.data.tickets
        if t["status"] == TicketStatus.CLOSED and t["contact_count"] == 1 and t["reopen_count"] == 0
    )
    open_row = next(t for t in api.backend.data.tickets if t["status"] == TicketStatus.OPEN)
    data = await api.query(
        "query($a: ID!, $b: ID!) { a: node(id: $a) { ...T } b: node(id: $b) { ...T } } "
        "fragment T on Ticket { firstResponseSeconds resolutionSeconds resolvedOnFirstContact "
        "status surveyResponses { score ticket { id } } customer { id } }",
        {"a": to_global_id("Ticket", row["id"]), "b": to_global_id("Ticket", open_row["id"])},
    )
    closed, still_open = data["a"], data["b"]
    assert closed["firstResponseSeconds"] == int(
        (row["first_response_at"] - row["created_at"]).total_seconds()
    )
    assert closed["resolutionSeconds"] == int(
        (row["resolved_at"] - row["created_at"]).total_seconds()
    )
    assert closed["resolvedOnFirstContact"] is True
    assert still_open["resolutionSeconds"] is None and still_open["resolvedOnFirstContact"] is None
    follow_ups = [r for r in api.backend.data.responses if r["ticket_id"] == row["id"]]
    assert len(closed["surveyResponses"]) == len(follow_ups)
    assert closed["customer"]["id"] == to_global_id("Customer", row["customer_id"])


async def test_surveys_and_their_responses(api: Api) -> None:
    data = await api.query(
        """{ surveys { totalCount edges { node { kind question scaleMin scaleMax
              responses(first: 3) { totalCount edges { node { score respondedAt survey { kind } } } } } } } }"""
    )
    surveys = {e["node"]["kind"]: e["node"] for e in data["surveys"]["edges"]}
    assert (surveys["NPS"]["scaleMin"], surveys["NPS"]["scaleMax"]) == (0, 10)
    assert (surveys["CSAT"]["scaleMin"], surveys["CSAT"]["scaleMax"]) == (1, 5)
    assert (surveys["CES"]["scaleMin"], surveys["CES"]["scaleMax"]) == (1, 7)
    for kind, survey in surveys.items():
        rows = [r for r in api.backend.data.responses if r["survey_kind"].value == kind]
        assert survey["responses"]["totalCount"] == len(rows)
        assert all(e["node"]["survey"]["kind"] == kind for e in survey["responses"]["edges"])


async def test_timeline_merges_all_kinds_newest_first_and_pages_without_gaps(api: Api) -> None:
    data = api.backend.data
    busiest = max(
        data.customers, key=lambda c: sum(t["customer_id"] == c["id"] for t in data.tickets)
    )
    expected = sorted(
        [t["occurred_at"] for t in data.touchpoints if t["customer_id"] == busiest["id"]]
        + [t["created_at"] for t in data.tickets if t["customer_id"] == busiest["id"]]
        + [r["responded_at"] for r in data.responses if r["customer_id"] == busiest["id"]],
        reverse=True,
    )
    query = """query($id: ID!, $after: String) { customer(id: $id) { timeline(first: 9, after: $after) {
        pageInfo { hasNextPage endCursor } edges { occurredAt node { __typename } } } } }"""
    seen: list[dict] = []
    after = None
    while True:
        page = (await api.query(query, {"id": customer_id(busiest), "after": after}))["customer"][
            "timeline"
        ]
        seen += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(expected)
    assert {e["node"]["__typename"] for e in seen} == {"Touchpoint", "Ticket", "SurveyResponse"}
    times = [e["occurredAt"] for e in seen]
    assert times == sorted(times, reverse=True)


PADDED = """query($segment: String, $assignee: String) {
  customers(filter: {segment: $segment}) { totalCount }
  tickets(filter: {assignee: $assignee}) { totalCount }
  followUps(filter: {assignee: $assignee}) { totalCount }
  nextBestActions(filter: {segment: $segment}) { totalCount }
  metrics(filter: {segment: $segment}) { npsResponses revenue } }"""


async def test_exact_text_filters_match_as_writes_store_text(api: Api) -> None:
    """Writes trim a segment or an assignee; the filters trim theirs alike, so a value
    copied with spaces around it finds the same records."""
    assignee = next(t["assignee"] for t in api.backend.data.tickets if t["assignee"])
    plain = await api.query(PADDED, {"segment": "smb", "assignee": assignee})
    padded = await api.query(PADDED, {"segment": "  smb\t", "assignee": f" {assignee}  "})
    assert padded == plain
    assert plain["customers"]["totalCount"] and plain["tickets"]["totalCount"], plain
