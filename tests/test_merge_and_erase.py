"""mergeCustomers, unmergeCustomer, eraseCustomer and exportCustomer."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from models import Customer, Role, Ticket, Touchpoint
from schema.node import to_global_id
from tests.conftest import ANCHOR, Api, serving
from tests.test_compiled_parity import comparable, first_difference
from tests.test_customer_writes import assert_phone_masks_kept

PROFILE = """query($id: ID!) { customer(id: $id) { id name email phone company stage erasedAt
  lifetimeValue externalIds { source id } mergedFrom { id }
  touchpoints(first: 100) { totalCount edges { node { id summary } } }
  tickets(first: 100) { totalCount edges { node { id subject } } }
  surveyResponses(first: 100) { totalCount edges { node { id score comment } } } } }"""


async def person(api: Api, stage: str, purchases: int = 1) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    created = await api.query(
        'mutation($e: String!, $x: String!) { createCustomer(input: {name: "Mia Berg", email: $e, '
        'phone: "+15550100200", company: "Kite Labs", segment: "smb", '
        'externalIds: [{source: "crm", id: $x}]}) '
        "{ customer { id email } } }",
        {"e": f"mia-{tag}@x.example", "x": f"CRM-{tag}"},
    )
    customer = created["createCustomer"]["customer"]
    ref = {"id": customer["id"]}
    events = [
        {
            "customer": ref,
            "occurredAt": "2026-10-01T10:00:00Z",
            "channel": "WEB",
            "stage": stage,
            "team": "SALES",
            "kind": "purchase",
            "value": "10.50",
            "currency": "USD",
            "source": "shop",
            "externalId": f"{tag}-{n}",
            "summary": "Bought for Mia",
        }
        for n in range(purchases)
    ]
    await api.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created } }",
        {"t": events},
    )
    ticket = await api.query(
        'mutation($id: ID!) { openTicket(input: {customer: {id: $id}, subject: "Mia cannot log in", '
        "channel: EMAIL}) { ticket { id } } }",
        {"id": customer["id"]},
    )
    surveys = await api.query(
        'mutation { createSurvey(input: {kind: CSAT, question: "Happy?"}) { survey { id } } }'
    )
    await api.query(
        "mutation($s: ID!, $c: ID!, $t: ID!) { submitSurveyResponse(input: {surveyId: $s, "
        'customer: {id: $c}, ticketId: $t, score: 2, comment: "Mia says: too slow"}) { userErrors { field } } }',
        {
            "s": surveys["createSurvey"]["survey"]["id"],
            "c": customer["id"],
            "t": ticket["openTicket"]["ticket"]["id"],
        },
    )
    return customer


async def assert_lifetime_values_kept(api: Api) -> None:
    """Every customer's kept lifetime value (what LIFETIME_VALUE orders by) is the sum of
    its purchase touchpoints' values now."""
    async with api.backend.engine.connect() as connection:
        wrong = await connection.execute(
            sa.text(
                "SELECT count(*) FROM customer WHERE lifetime_value_cents <> coalesce(("
                "SELECT sum(value_cents) FROM touchpoint WHERE touchpoint.customer_id = "
                "customer.id AND touchpoint.kind = 'purchase'), 0)"
            )
        )
        assert wrong.scalar_one() == 0


UNFILTERED = "{ customers { totalCount } touchpoints { totalCount } tickets { totalCount } }"
# Lists whose only filter the database counts per value (list_value_count).
BY_VALUE = """query($since: DateTime, $until: DateTime, $sameDay: DateTime, $midnight: DateTime) {
  smb: customers(filter: {segment: "smb"}) { totalCount }
  queue: tickets(filter: {status: [NEW, OPEN, PENDING]}) { totalCount }
  closed: tickets(filter: {status: [CLOSED]}) { totalCount }
  web: touchpoints(filter: {channel: [WEB, EMAIL]}) { totalCount }
  early: touchpoints(filter: {stage: [AWARENESS]}) { totalCount }
  marketing: touchpoints(filter: {team: [MARKETING]}) { totalCount }
  views: touchpoints(filter: {kind: ["page_view", "purchase"]}) { totalCount }
  urgent: tickets(filter: {priority: [URGENT, HIGH]}) { totalCount }
  chat: tickets(filter: {channel: [CHAT]}) { totalCount }
  since: touchpoints(filter: {from: $since}) { totalCount }
  until: touchpoints(filter: {to: $until}) { totalCount }
  between: touchpoints(filter: {from: $since, to: $until}) { totalCount }
  sameDay: touchpoints(filter: {from: $since, to: $sameDay}) { totalCount }
  ticketsBetween: tickets(filter: {from: $since, to: $until}) { totalCount }
  ticketsUntil: tickets(filter: {to: $midnight}) { totalCount } }"""
# Windows whose ends fall mid-day (one in another offset), on a midnight, and within a day.
WINDOWS = {
    "since": (ANCHOR - timedelta(days=40, hours=5, minutes=7)).isoformat(),
    "until": (ANCHOR - timedelta(days=3, hours=2))
    .astimezone(timezone(timedelta(hours=-5)))
    .isoformat(),
    "sameDay": (ANCHOR - timedelta(days=40, hours=1)).isoformat(),
    "midnight": (ANCHOR - timedelta(days=9)).isoformat(),
}


async def assert_unfiltered_totals_kept(api: Api) -> None:
    """Unfiltered `totalCount`s, which read the counts the database keeps
    (list_row_count), are the records counted now: customers merged into none, every
    touchpoint and ticket."""
    async with api.backend.engine.connect() as connection:
        counted = {
            name: (await connection.execute(sa.text(sql))).scalar_one()
            for name, sql in {
                "customers": "SELECT count(*) FROM customer WHERE merged_into_id IS NULL",
                "touchpoints": "SELECT count(*) FROM touchpoint",
                "tickets": "SELECT count(*) FROM ticket",
            }.items()
        }
    api.statements.clear()
    totals = await api.query(UNFILTERED)
    assert {name: found["totalCount"] for name, found in totals.items()} == counted
    assert any("list_row_count" in statement for statement in api.statements)
    await assert_value_counts_kept(api)


async def assert_value_counts_kept(api: Api) -> None:
    """`totalCount`s of lists filtered by one value counted per value (customers by
    segment, tickets by status, priority or channel, touchpoints by channel, stage, team
    or kind), which read
    the counts the database keeps
    (list_value_count), are the records counted now; so is every kept count."""
    async with api.backend.engine.connect() as connection:
        counted = {
            name: (await connection.execute(sa.text(sql))).scalar_one()
            for name, sql in {
                "smb": "SELECT count(*) FROM customer WHERE merged_into_id IS NULL "
                "AND segment = 'smb'",
                "queue": "SELECT count(*) FROM ticket WHERE status IN ('NEW', 'OPEN', 'PENDING')",
                "closed": "SELECT count(*) FROM ticket WHERE status = 'CLOSED'",
                "web": "SELECT count(*) FROM touchpoint WHERE channel IN ('WEB', 'EMAIL')",
                "early": "SELECT count(*) FROM touchpoint WHERE stage = 'AWARENESS'",
                "marketing": "SELECT count(*) FROM touchpoint WHERE team = 'MARKETING'",
                "views": "SELECT count(*) FROM touchpoint WHERE kind IN ('page_view', 'purchase')",
                "urgent": "SELECT count(*) FROM ticket WHERE priority IN ('URGENT', 'HIGH')",
                "chat": "SELECT count(*) FROM ticket WHERE channel = 'CHAT'",
            }.items()
        }
        at = {name: datetime.fromisoformat(value) for name, value in WINDOWS.items()}
        for name, table, column, start, end in (
            ("since", Touchpoint, "occurred_at", "since", None),
            ("until", Touchpoint, "occurred_at", None, "until"),
            ("between", Touchpoint, "occurred_at", "since", "until"),
            ("sameDay", Touchpoint, "occurred_at", "since", "sameDay"),
            ("ticketsBetween", Ticket, "created_at", "since", "until"),
            ("ticketsUntil", Ticket, "created_at", None, "midnight"),
        ):
            time = getattr(table, column)
            window = [time >= at[start]] if start else []
            window += [time < at[end]] if end else []
            statement = sa.select(sa.func.count()).select_from(table).where(*window)
            counted[name] = (await connection.execute(statement)).scalar_one()
        day = {
            "postgres": "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            "sqlite": "substr({}, 1, 10)",
        }[api.backend.name]
        kept = await connection.execute(
            sa.text(
                "SELECT list_name, value, sum(records) FROM list_value_count "
                "GROUP BY list_name, value HAVING sum(records) <> 0"
            )
        )
        actual = await connection.execute(
            sa.text(
                "SELECT 'ticket.status', status, count(*) FROM ticket GROUP BY status "
                "UNION ALL SELECT 'customer.segment', segment, count(*) FROM customer "
                "WHERE merged_into_id IS NULL AND segment IS NOT NULL GROUP BY segment "
                + " ".join(
                    f"UNION ALL SELECT 'touchpoint.{c}', {c}, count(*) FROM touchpoint "
                    f"WHERE {c} IS NOT NULL GROUP BY {c}"
                    for c in ("channel", "stage", "team", "kind")
                )
                + " "
                + " ".join(
                    f"UNION ALL SELECT 'ticket.{c}', {c}, count(*) FROM ticket GROUP BY {c}"
                    for c in ("priority", "channel")
                )
                + " "
                + " ".join(
                    f"UNION ALL SELECT '{t}.{c}', {day.format(c)}, count(*) FROM {t} "
                    f"GROUP BY {day.format(c)}"
                    for t, c in (("touchpoint", "occurred_at"), ("ticket", "created_at"))
                )
            )
        )
        actual_counts = {(n, v): int(c) for n, v, c in actual.all()}
        assert {(n, v): int(c) for n, v, c in kept.all()} == actual_counts
    api.statements.clear()
    totals = await api.query(BY_VALUE, WINDOWS)
    assert {name: found["totalCount"] for name, found in totals.items()} == counted
    assert all(n for name, n in counted.items() if name != "sameDay"), counted
    assert any("list_value_count" in statement for statement in api.statements)
    # `dimensions` reads the same kept counts: each value the records carry now, most
    # used first, none that no record carries.
    dimensions = (await api.query(DIMENSIONS, role=Role.ANALYST))["dimensions"]
    for field, name in KEPT_DIMENSIONS.items():
        listed = [(v["value"], v["count"]) for v in dimensions[field]]
        assert dict(listed) == {v: c for (n, v), c in actual_counts.items() if n == name}
        assert listed == sorted(listed, key=lambda pair: (-pair[1], pair[0])), field


KEPT_DIMENSIONS = {
    "segments": "customer.segment",
    "channels": "touchpoint.channel",
    "ticketChannels": "ticket.channel",
    "teams": "touchpoint.team",
    "kinds": "touchpoint.kind",
}
DIMENSIONS = (
    "{ dimensions { " + " ".join(f"{f} {{ value count }}" for f in KEPT_DIMENSIONS) + " } }"
)


async def profile(api: Api, customer_id: str) -> dict[str, Any]:
    return (await api.query(PROFILE, {"id": customer_id}))["customer"]


def ids(connection: dict[str, Any]) -> set[str]:
    return {edge["node"]["id"] for edge in connection["edges"]}


MERGE = """mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s, mergedIds: $m}) {
  customer { id stage mergedFrom { id } } userErrors { field message code } } }"""


async def test_merge_moves_everything_and_unmerge_restores_exactly(writable: Api) -> None:
    a, b, c = (
        await person(writable, "DECISION"),
        await person(writable, "ADVOCACY", 2),
        await person(writable, "RETENTION"),
    )
    before = {key["id"]: await profile(writable, key["id"]) for key in (a, b, c)}
    total = await writable.query("{ touchpoints { totalCount } tickets { totalCount } }")

    merged = (await writable.query(MERGE, {"s": a["id"], "m": [b["id"], c["id"]]}))[
        "mergeCustomers"
    ]
    assert merged["userErrors"] == []
    assert merged["customer"]["stage"] == "ADVOCACY"
    assert {m["id"] for m in merged["customer"]["mergedFrom"]} == {b["id"], c["id"]}
    survivor = await profile(writable, a["id"])
    for part in ("touchpoints", "tickets", "surveyResponses"):
        assert ids(survivor[part]) == set().union(*(ids(p[part]) for p in before.values()))
    assert len(survivor["externalIds"]) == 3
    assert await writable.query("{ touchpoints { totalCount } tickets { totalCount } }") == total
    assert survivor["lifetimeValue"] == "42.00"  # 4 purchases of 10.50 moved to a
    await assert_lifetime_values_kept(writable)
    await assert_unfiltered_totals_kept(writable)

    # merged ids, emails and external ids all lead to the survivor
    lookups = await writable.query(
        "query($b: ID!, $e: String!) { customer(id: $b) { id } node(id: $b) { id } "
        "customerByEmail(email: $e) { id } }",
        {"b": b["id"], "e": b["email"]},
    )
    assert {v["id"] for v in lookups.values()} == {a["id"]}
    both = await writable.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [c["id"], b["id"]]}
    )
    assert both["nodes"] == [{"id": a["id"]}, {"id": a["id"]}]
    landed = await writable.query(
        "mutation($e: String!) { recordTouchpoints(touchpoints: [{customer: {email: $e}, "
        'occurredAt: "2026-10-02T00:00:00Z", channel: APP, stage: RETENTION, team: PRODUCT, '
        'kind: "app_login", source: "product"}]) { touchpoints { customer { id } } } }',
        {"e": b["email"]},
    )
    assert landed["recordTouchpoints"]["touchpoints"][0]["customer"]["id"] == a["id"]

    unmerged = await writable.query(
        "mutation($b: ID!) { unmergeCustomer(id: $b) { customer { id stage } userErrors { code } } }",
        {"b": b["id"]},
    )
    assert unmerged["unmergeCustomer"]["customer"] == {"id": b["id"], "stage": "ADVOCACY"}
    restored = await profile(writable, b["id"])
    for part in ("touchpoints", "tickets", "surveyResponses"):
        assert ids(restored[part]) == ids(before[b["id"]][part])
    assert restored["externalIds"] == before[b["id"]]["externalIds"]
    await assert_lifetime_values_kept(writable)
    await assert_unfiltered_totals_kept(writable)
    survivor = await profile(writable, a["id"])
    assert survivor["stage"] == "RETENTION"  # recomputed without b's advocacy touchpoints
    assert [m["id"] for m in survivor["mergedFrom"]] == [c["id"]]
    assert survivor["touchpoints"]["totalCount"] == 1 + 1 + 1  # a, c, and the one sent after merge

    again = await writable.query(
        "mutation($b: ID!) { unmergeCustomer(id: $b) { userErrors { field code } } }",
        {"b": b["id"]},
    )
    assert again["unmergeCustomer"]["userErrors"] == [{"field": ["id"], "code": "INVALID"}]


async def test_a_bad_merge_moves_nothing(writable: Api) -> None:
    a, b = await person(writable, "DECISION"), await person(writable, "DECISION")
    result = (await writable.query(MERGE, {"s": a["id"], "m": [b["id"], a["id"]]}))[
        "mergeCustomers"
    ]
    assert result["customer"] is None
    assert result["userErrors"][0]["field"] == ["input", "mergedIds", "1"]
    assert (await profile(writable, b["id"]))["touchpoints"]["totalCount"] == 1
    # A malformed id: named by its place in the list, coded as reads code it.
    result = (await writable.query(MERGE, {"s": a["id"], "m": [b["id"], "zzz"]}))["mergeCustomers"]
    assert result["customer"] is None
    (error,) = result["userErrors"]
    assert error["field"] == ["input", "mergedIds", "1"] and error["code"] == "INVALID_ID"
    assert error["message"].startswith("`mergedIds[1]` is not a cx360 id"), error
    assert (await profile(writable, b["id"]))["touchpoints"]["totalCount"] == 1
    # Every bad id at once, in input order: a malformed survivor, a ticket's id, another
    # malformed one; the good id in between is not reported.
    ticket = to_global_id("Ticket", uuid.uuid4())
    result = (await writable.query(MERGE, {"s": "%%%", "m": [ticket, b["id"], "zzz"]}))[
        "mergeCustomers"
    ]
    assert result["customer"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "survivorId"], "INVALID_ID"),
        (["input", "mergedIds", "0"], "NOT_FOUND"),
        (["input", "mergedIds", "2"], "INVALID_ID"),
    ]
    assert (await profile(writable, b["id"]))["touchpoints"]["totalCount"] == 1


async def test_export_then_erase_keeps_scores_and_purchases_but_no_personal_data(
    writable: Api,
) -> None:
    a, b = await person(writable, "RETENTION"), await person(writable, "DECISION")
    await writable.query(MERGE, {"s": a["id"], "m": [b["id"]]})
    exported = (
        await writable.query("query($id: ID!) { exportCustomer(id: $id) }", {"id": b["id"]})
    )["exportCustomer"]
    assert exported["customer"]["email"] == a["email"]
    assert {m["email"] for m in exported["mergedCustomers"]} == {b["email"]}
    assert len(exported["touchpoints"]) == 2 and len(exported["tickets"]) == 2
    assert exported["touchpoints"][0]["value"] == "10.50"
    # Each record's keys in the model's declared order, whatever loaded it before.
    assert list(exported["customer"]) == list(Customer.model_fields)
    assert list(exported["mergedCustomers"][0]) == list(Customer.model_fields)
    assert list(exported["touchpoints"][0]) == list(Touchpoint.model_fields)

    before = await profile(writable, a["id"])
    erased = await writable.query(
        "mutation($id: ID!) { eraseCustomer(id: $id) { erasedCustomerId userErrors { code } } }",
        {"id": a["id"]},
    )
    assert erased["eraseCustomer"] == {"erasedCustomerId": a["id"], "userErrors": []}
    after = await profile(writable, a["id"])
    assert (after["name"], after["email"], after["phone"], after["company"]) == (
        "Erased customer",
        None,
        None,
        None,
    )
    assert after["erasedAt"] and after["externalIds"] == []
    assert after["lifetimeValue"] == before["lifetimeValue"] == "21.00"
    await assert_lifetime_values_kept(writable)
    await assert_unfiltered_totals_kept(writable)
    await assert_phone_masks_kept(writable)  # the erased (and merged) people's masks too
    assert [e["node"]["score"] for e in after["surveyResponses"]["edges"]] == [2, 2]
    assert all(e["node"]["comment"] is None for e in after["surveyResponses"]["edges"])
    assert all(e["node"]["summary"] is None for e in after["touchpoints"]["edges"])
    assert all("Mia" not in e["node"]["subject"] for e in after["tickets"]["edges"])
    gone = await writable.query(
        "query($e: String!) { customerByEmail(email: $e) { id } }", {"e": b["email"]}
    )
    assert gone["customerByEmail"] is None
    assert "mia-" not in str(
        await writable.query("query($id: ID!) { exportCustomer(id: $id) }", {"id": a["id"]})
    )

    refused = await writable.query(
        'mutation($id: ID!) { updateCustomer(id: $id, input: {name: "Back"}) { userErrors { code } } }',
        {"id": a["id"]},
    )
    assert refused["updateCustomer"]["userErrors"] == [{"code": "ERASED"}]
    # Writes naming the erased person (or a record merged into them) by id: ERASED, as
    # updateCustomer; an id of nobody stays NOT_FOUND. Nothing is written.
    unknown = to_global_id("Customer", uuid.uuid4())
    touch = (
        "mutation($a: ID!, $b: ID!, $n: ID!) { recordTouchpoints(touchpoints: ["
        + ", ".join(
            f'{{customer: {{id: ${v}}}, occurredAt: "2026-10-02T00:00:00Z", channel: APP, '
            'stage: RETENTION, team: PRODUCT, kind: "app_login", source: "product"}'
            for v in "abn"
        )
        + "]) { created userErrors { field code } } }"
    )
    written = await writable.query(touch, {"a": a["id"], "b": b["id"], "n": unknown})
    assert written["recordTouchpoints"]["created"] == 0
    assert written["recordTouchpoints"]["userErrors"] == [
        {"field": ["touchpoints", "0", "customer"], "code": "ERASED"},
        {"field": ["touchpoints", "1", "customer"], "code": "ERASED"},
        {"field": ["touchpoints", "2", "customer"], "code": "NOT_FOUND"},
    ]
    for key, code in ((b["id"], "ERASED"), (unknown, "NOT_FOUND")):
        opened = await writable.query(
            'mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: "x", '
            "channel: CHAT}) { ticket { id } userErrors { field code } } }",
            {"c": key},
        )
        assert opened["openTicket"] == {
            "ticket": None,
            "userErrors": [{"field": ["input", "customer"], "code": code}],
        }
    log = await writable.query(
        'query($t: ID!) { auditLog(filter: {targetId: $t, action: ["eraseCustomer"]}) '
        "{ edges { node { targetIds details } } } }",
        {"t": a["id"]},
    )
    (entry,) = log["auditLog"]["edges"]
    assert set(entry["node"]["targetIds"]) == {a["id"], b["id"]}
    assert "mia" not in str(entry).lower()


async def test_unfiltered_totals_follow_every_way_rows_change(writable: Api) -> None:
    """Kept by the database, not the app: rows inserted and deleted in SQL, several in one
    statement, count too."""
    await person(writable, "DECISION", purchases=3)
    await assert_unfiltered_totals_kept(writable)
    async with writable.backend.engine.begin() as connection:
        await connection.execute(
            sa.text(
                "DELETE FROM touchpoint WHERE id IN (SELECT id FROM touchpoint "
                "ORDER BY recorded_at DESC LIMIT 2)"
            )
        )
        await connection.execute(
            sa.text(
                "INSERT INTO touchpoint (id, customer_id, occurred_at, channel, stage, team, "
                "kind, source, recorded_at) SELECT :a, id, created_at, 'WEB', 'AWARENESS', "
                "'MARKETING', 'page_view', 'sql', created_at FROM customer "
                "WHERE merged_into_id IS NULL ORDER BY id LIMIT 1"
            ).bindparams(sa.bindparam("a", type_=Touchpoint.__table__.c.id.type)),  # type: ignore[attr-defined]
            {"a": uuid.uuid4()},
        )
        # Several rows moved between counted values in one statement; an update that
        # moves none (priority) and one to no value (segment NULL).
        await connection.execute(
            sa.text(
                "UPDATE ticket SET status = 'CLOSED' WHERE id IN (SELECT id FROM ticket "
                "WHERE status IN ('NEW', 'OPEN') ORDER BY id LIMIT 3)"
            )
        )
        await connection.execute(
            sa.text("UPDATE ticket SET priority = 'URGENT' WHERE status = 'PENDING'")
        )
        # Touchpoints moved between channels and kinds, one column or two at a time, and
        # an update that moves none (summary).
        await connection.execute(
            sa.text(
                "UPDATE touchpoint SET channel = 'EMAIL' WHERE id IN (SELECT id FROM "
                "touchpoint WHERE channel <> 'EMAIL' ORDER BY id LIMIT 3)"
            )
        )
        await connection.execute(
            sa.text(
                "UPDATE touchpoint SET kind = 'page_view', team = 'SALES' WHERE id IN "
                "(SELECT id FROM touchpoint WHERE kind <> 'page_view' ORDER BY id DESC LIMIT 2)"
            )
        )
        await connection.execute(sa.text("UPDATE touchpoint SET summary = 'edited'"))
        # Rows moved to another day (the kept counts per UTC day).
        for model, time in ((Touchpoint, "occurred_at"), (Ticket, "created_at")):
            table = model.__table__  # type: ignore[attr-defined]
            moved = sa.select(table.c.id).order_by(table.c.id).limit(2).scalar_subquery()
            await connection.execute(
                table.update()
                .where(table.c.id.in_(moved))
                .values({time: ANCHOR - timedelta(days=400, hours=3)})
            )
        await connection.execute(
            sa.text(
                "UPDATE customer SET segment = 'smb' WHERE id IN (SELECT id FROM customer "
                "WHERE segment <> 'smb' AND merged_into_id IS NULL ORDER BY id LIMIT 2)"
            )
        )
        await connection.execute(
            sa.text(
                "UPDATE customer SET segment = NULL WHERE id IN (SELECT id FROM customer "
                "WHERE segment = 'smb' AND merged_into_id IS NULL ORDER BY id LIMIT 1)"
            )
        )
    await assert_unfiltered_totals_kept(writable)
    await assert_lifetime_values_kept(writable)


async def test_a_truncate_empties_what_is_kept_of_its_table(writable: Api) -> None:
    """PostgreSQL's TRUNCATE fires no delete trigger: its own triggers empty the kept row
    counts, the lifetime values and the SLA state counts (in a transaction rolled back)."""
    if writable.backend.name != "postgres":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE fires the delete triggers")
    await person(writable, "DECISION", purchases=2)
    async with writable.backend.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(sa.text("TRUNCATE touchpoint, ticket CASCADE"))
        kept = await connection.execute(
            sa.text(
                "SELECT (SELECT coalesce(sum(records), 0) FROM list_row_count "
                "WHERE list_name IN ('touchpoint', 'ticket')), "
                "(SELECT count(*) FROM customer WHERE lifetime_value_cents <> 0), "
                "(SELECT count(*) FROM ticket_sla_state_count), "
                "(SELECT count(*) FROM list_value_count "
                "WHERE list_name LIKE 'ticket.%' OR list_name LIKE 'touchpoint.%')"
            )
        )
        assert tuple(kept.one()) == (0, 0, 0, 0)
        await transaction.rollback()
    await assert_unfiltered_totals_kept(writable)


MERGED_PAGE = """query($id: ID!) { customer(id: $id) { id name
  mergedFrom { __typename id name email phone segment stage createdAt lifetimeValue
    externalIds { source id } health { score level }
    mergedFrom { id name email mergedFrom { id } }
    tickets(first: 5) { totalCount edges { node { id subject customer { id } } } } } } }"""


async def test_merged_customers_read_alike_on_both_read_paths(writable: Api) -> None:
    """`mergedFrom` (a customer's list of customers) compiles, nested in itself too, to
    the resolvers' bytes for every role that may read it, masks included."""
    if writable.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    a, b, c, d = [await person(writable, "DECISION") for _ in range(4)]
    for survivor, merged in ((b, [c]), (a, [b, d])):
        answer = await writable.query(MERGE, {"s": survivor["id"], "m": [m["id"] for m in merged]})
        assert answer["mergeCustomers"]["userErrors"] == []
    async with (
        serving(writable.backend, debug=True) as compiled,
        serving(writable.backend, compiled_reads=False) as resolvers,
    ):
        served = set()
        for role in Role:
            answer = await compiled.post(MERGED_PAGE, {"id": a["id"]}, role)
            expected = await resolvers.post(MERGED_PAGE, {"id": a["id"]}, role)
            path = answer.json()["extensions"]["readPath"]
            if path["path"] != "compiled":
                assert "denied" in path.get("declined", "") or "errors" in expected.json()
                continue
            served.add(role)
            assert comparable(answer) == comparable(expected), first_difference(
                comparable(expected)[1], comparable(answer)[1]
            )
        assert {Role.ADMIN, Role.SUPPORT, Role.MARKETING} <= served, served
        found = (await compiled.post(MERGED_PAGE, {"id": a["id"]}, Role.ADMIN)).json()["data"]
        listed = found["customer"]["mergedFrom"]
        assert {m["id"] for m in listed} >= {b["id"], d["id"]}
        assert [m["createdAt"] for m in listed] == sorted(m["createdAt"] for m in listed)


async def test_a_merged_customers_stored_health_is_its_health_now(writable: Api) -> None:
    """Merging moves a customer's records to its survivor; its stored health is recomputed
    from what it keeps (nothing), so stored and computed now agree, as for every customer."""
    a, b = await person(writable, "DECISION"), await person(writable, "DECISION")
    answer = await writable.query(MERGE, {"s": a["id"], "m": [b["id"]]})
    assert answer["mergeCustomers"]["userErrors"] == []
    found = await writable.query(
        """query($id: ID!, $at: DateTime) { customer(id: $id) { mergedFrom { id
          stored: health { score level reasons } computed: health(asOf: $at) {
            score level reasons } } } }""",
        {"id": a["id"], "at": datetime.now(UTC).isoformat()},
    )
    (merged,) = found["customer"]["mergedFrom"]
    assert (
        merged["stored"]
        == merged["computed"]
        == {
            "score": 80,
            "level": "HEALTHY",
            "reasons": ["no touchpoint in the last 90 days"],
        }
    ), merged
