"""Health kept current: what is stored equals what the definitions give at now, after any
history of writes and after the scheduler has applied what time alone changes; filters and
orders use the stored values; the clock-driven work survives a process stopping mid-way."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.scheduler import LEASE, Scheduler
from api.settings import Settings
from models import Role
from resolvers.health_state import HEALTH_DUE
from resolvers.scheduler import Claim, DueWork
from schema.node import from_global_id
from tests.conftest import UNLIMITED, Api, Clock, database, module_clock, served, serving
from tests.test_sla import assert_state_counts_kept

EXAMPLES = 12
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


clock = module_clock(START)


kept = served("health", 3, clocked=True, **UNLIMITED)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- random histories

OPERATIONS = st.one_of(
    st.tuples(st.just("ticket"), st.integers(0, 1), st.integers(0, 150)),
    st.tuples(st.just("resolve"), st.integers(0, 1), st.integers(0, 5)),
    st.tuples(st.just("nps"), st.integers(0, 1), st.integers(0, 10)),
    st.tuples(st.just("csat"), st.integers(0, 1), st.integers(1, 5)),
    st.tuples(st.just("touch"), st.integers(0, 1), st.integers(0, 120)),
    st.tuples(st.just("merge"), st.just(0), st.just(0)),
    st.tuples(st.just("unmerge"), st.just(0), st.just(0)),
)
HISTORIES = st.tuples(
    st.lists(OPERATIONS, min_size=1, max_size=8),
    # the clock moves on by these many hours, the scheduler runs after each move
    st.lists(st.integers(1, 24 * 100), min_size=1, max_size=3),
)


def histories(count: int, strategy: Any = HISTORIES) -> list[Any]:
    """`count` examples of `strategy`, drawn up front (the tests run them on the API)."""
    found: list[Any] = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(history: Any) -> None:
        found.append(history)

    collect()
    return found


@dataclass
class People:
    ids: list[str]
    surveys: dict[str, str]
    tickets: list[str]
    merged: bool = False


async def create_customer(api: Api) -> str:
    data = await api.query(
        'mutation($e: String!) { createCustomer(input: {name: "H", email: $e}) '
        "{ customer { id } } }",
        {"e": f"h-{uuid.uuid4().hex}@x.example"},
    )
    customer_id: str = data["createCustomer"]["customer"]["id"]
    return customer_id


async def apply_operation(api: Api, people: People, now: datetime, op: Any) -> None:
    name, who, amount = op
    ref = {"id": people.ids[who]}
    if name == "ticket":
        data = await api.query(
            "mutation($i: OpenTicketInput!) { openTicket(input: $i) "
            "{ ticket { id } userErrors { message } } }",
            {
                "i": {
                    "customer": ref,
                    "subject": "Help",
                    "channel": "EMAIL",
                    "createdAt": iso(now - timedelta(hours=amount)),
                }
            },
        )
        assert data["openTicket"]["userErrors"] == []
        people.tickets.append(data["openTicket"]["ticket"]["id"])
    elif name == "resolve" and people.tickets:
        ticket = people.tickets[amount % len(people.tickets)]
        await api.query(
            "mutation($id: ID!) { resolveTicket(id: $id) { userErrors { message } } }",
            {"id": ticket},
        )  # a ticket already resolved is refused: nothing changes, which is fine here
    elif name in ("nps", "csat"):
        data = await api.query(
            "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) "
            "{ userErrors { message } } }",
            {
                "i": {
                    "surveyId": people.surveys[name],
                    "customer": ref,
                    "score": amount,
                    "respondedAt": iso(now - timedelta(minutes=amount + 1)),
                }
            },
        )
        assert data["submitSurveyResponse"]["userErrors"] == []
    elif name == "touch":
        data = await api.query(
            "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
            "{ userErrors { message } } }",
            {
                "t": [
                    {
                        "customer": ref,
                        "occurredAt": iso(now - timedelta(days=amount, minutes=1)),
                        "channel": "EMAIL",
                        "stage": "AWARENESS",
                        "team": "SUPPORT",
                        "kind": "email",
                        "source": "test",
                    }
                ]
            },
        )
        assert data["recordTouchpoints"]["userErrors"] == []
    elif name == "merge" and not people.merged:
        data = await api.query(
            "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s, "
            "mergedIds: $m}) { userErrors { message } } }",
            {"s": people.ids[0], "m": [people.ids[1]]},
        )
        assert data["mergeCustomers"]["userErrors"] == []
        people.merged = True
    elif name == "unmerge" and people.merged:
        data = await api.query(
            "mutation($id: ID!) { unmergeCustomer(id: $id) { userErrors { message } } }",
            {"id": people.ids[1]},
        )
        assert data["unmergeCustomer"]["userErrors"] == []
        people.merged = False


COMPARE = """query($ids: [ID!]!, $at: DateTime!) { nodes(ids: $ids) { ... on Customer { id
  healthUpdatedAt stored: health { score level reasons }
  computed: health(asOf: $at) { score level reasons } } } }"""


async def assert_stored_is_computed(api: Api, ids: list[str], now: datetime) -> None:
    data = await api.query(COMPARE, {"ids": ids, "at": iso(now)})
    for node in data["nodes"]:
        assert node["healthUpdatedAt"] is not None
        assert node["stored"] == node["computed"], node


async def surveys(api: Api) -> dict[str, str]:
    found = {}
    for kind in ("NPS", "CSAT"):
        data = await api.query(
            'mutation($k: SurveyKind!) { createSurvey(input: {kind: $k, question: "?"}) '
            "{ survey { id } } }",
            {"k": kind},
        )
        found[kind.lower()] = data["createSurvey"]["survey"]["id"]
    return found


async def test_stored_health_is_computed_health_after_writes_and_time(
    kept: Api, clock: Clock
) -> None:
    scheduler = Scheduler(Settings(database_url=kept.backend.url), kept.app.state)
    kinds = await surveys(kept)
    for operations, moves in histories(EXAMPLES):
        people = People([await create_customer(kept), await create_customer(kept)], kinds, [])
        for op in operations:
            await apply_operation(kept, people, clock.now(), op)
        await assert_stored_is_computed(kept, people.ids, clock.now())
        for hours in moves:
            clock.move(timedelta(hours=hours))
            await scheduler.round()
            await assert_stored_is_computed(kept, people.ids, clock.now())
        await assert_state_counts_kept(kept)  # SLA states stored by writes and rounds


async def test_a_ticket_turning_stale_is_applied_by_time_alone(kept: Api, clock: Clock) -> None:
    scheduler = Scheduler(Settings(database_url=kept.backend.url), kept.app.state)
    people = People([await create_customer(kept)], await surveys(kept), [])
    await apply_operation(kept, people, clock.now(), ("touch", 0, 0))
    await apply_operation(kept, people, clock.now(), ("ticket", 0, 71))
    query = "query($id: ID!) { customer(id: $id) { health { score reasons } } }"
    before = await kept.query(query, {"id": people.ids[0]})
    assert before["customer"]["health"] == {"score": 100, "reasons": []}
    clock.move(timedelta(hours=1, seconds=1))
    applied = await scheduler.round()
    assert uuid.UUID(people_db_id(people.ids[0])) in applied[HEALTH_DUE.name]
    after = await kept.query(query, {"id": people.ids[0]})
    assert after["customer"]["health"] == {
        "score": 80,
        "reasons": ["1 ticket open for more than 72 hours"],
    }
    assert (await scheduler.round())[HEALTH_DUE.name] == []  # nothing left to do


def people_db_id(global_id: str) -> str:
    return str(from_global_id(global_id, "id")[1])


# ---------------------------------------------------------------- reading stored health

ORDERED = """query($after: String, $first: Int!, $f: CustomerFilter) {
  customers(first: $first, after: $after, filter: $f,
            orderBy: {field: HEALTH_SCORE, direction: ASC}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id health { score level } } } } }"""


async def pages(api: Api, first: int, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
    found, after = [], None
    while True:
        data = await api.query(ORDERED, {"after": after, "first": first, "f": filter})
        found.extend(e["node"] for e in data["customers"]["edges"])
        if not data["customers"]["pageInfo"]["hasNextPage"]:
            return found
        after = data["customers"]["pageInfo"]["endCursor"]


async def test_filter_and_order_by_stored_health_page_through(kept: Api, clock: Clock) -> None:
    people = People([await create_customer(kept) for _ in range(3)], await surveys(kept), [])
    for who, op in enumerate(("ticket", "nps", "csat")):  # some customers below 75
        if op == "ticket":
            for _ in range(3):
                await apply_operation(kept, people, clock.now(), (op, who, 100))
        else:
            await apply_operation(kept, people, clock.now(), (op, min(who, 2), 1))
    everyone = await pages(kept, 100, None)
    scores = [n["health"]["score"] for n in everyone]
    assert scores == sorted(scores) and len(set(scores)) > 1
    assert await pages(kept, 3, None) == everyone
    for level in ("HEALTHY", "WATCH", "AT_RISK"):
        wanted = [n for n in everyone if n["health"]["level"] == level]
        assert await pages(kept, 2, {"healthLevel": level}) == wanted
        data = await kept.query(ORDERED, {"first": 1, "f": {"healthLevel": level}})
        assert data["customers"]["totalCount"] == len(wanted)
    assert any(n["health"]["level"] == "AT_RISK" for n in everyone)


async def test_partner_cannot_read_filter_or_order_by_health(kept: Api) -> None:
    for query in (
        "{ customers(first: 1, orderBy: {field: HEALTH_SCORE, direction: DESC}) "
        "{ edges { node { id } } } }",
        "{ customers(first: 1, filter: {healthLevel: AT_RISK}) { totalCount } }",
        "{ customers(first: 1) { edges { node { healthUpdatedAt } } } }",
    ):
        response = await kept.post(query, role=Role.PARTNER)
        errors = response.json()["errors"]
        assert errors and {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, errors
    # The refusal names the field and the roles that may read it.
    response = await kept.post(
        "{ customers(first: 1) { edges { node { health { score } } } } }", role=Role.PARTNER
    )
    (error,) = response.json()["errors"]
    assert error["message"] == (
        "This key's role (PARTNER) may not read Customer.health (metrics); "
        "roles that may: ADMIN, SUPPORT, SALES, MARKETING, ANALYST."
    ), error


# ---------------------------------------------------------------- several processes


@dataclass
class Stopped:
    """A kind that claims like health, then stops before applying (a process killed)."""

    claims: list[Claim]
    claimed: asyncio.Event

    def kind(self) -> DueWork:
        async def claim(*arguments: Any) -> Claim:
            found = await HEALTH_DUE.claim(*arguments)
            self.claims.append(found)
            self.claimed.set()
            return found

        async def never(*_: Any) -> list[uuid.UUID]:
            await asyncio.Event().wait()
            return []

        return DueWork(HEALTH_DUE.name, claim, never, HEALTH_DUE.next_due)


async def test_another_process_takes_over_clock_driven_work(
    tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> None:
    async with (
        database("postgres", tmp_path_factory.mktemp("two"), 1) as backend,
        serving(backend) as first,
    ):
        people = People([await create_customer(first) for _ in range(12)], {}, [])
        for who in range(len(people.ids)):
            await apply_operation(first, people, clock.now(), ("touch", who, 0))
            await apply_operation(first, people, clock.now(), ("ticket", who, 71))
        stopped = Stopped([], asyncio.Event())
        settings = Settings(database_url=backend.url)
        worker = Scheduler(settings, first.app.state, [stopped.kind()], batch=5)
        clock.move(timedelta(hours=1, seconds=1))  # every ticket passes 72 h now
        task = asyncio.create_task(worker.round())
        await asyncio.wait_for(stopped.claimed.wait(), 10)
        task.cancel()  # the first process stops after claiming, before applying
        taken = {str(key) for key in stopped.claims[0].ids}
        assert len(taken) == 5
        everyone = {people_db_id(i) for i in people.ids}
        async with serving(backend, scheduler=True, scheduler_interval_seconds=0.1) as second:

            async def stale_ids() -> set[str]:
                data = await second.query(COMPARE, {"ids": people.ids, "at": iso(clock.now())})
                return {people_db_id(n["id"]) for n in data["nodes"] if n["stored"]["score"] == 80}

            async def until(wanted: set[str]) -> set[str]:
                for _ in range(100):
                    found = await stale_ids()
                    if found == wanted:
                        break
                    await asyncio.sleep(0.1)
                return found

            # the others are applied; the claimed ones wait for their lease to run out
            assert await until(everyone - taken) == everyone - taken
            await asyncio.sleep(0.5)
            assert await stale_ids() == everyone - taken
            clock.move(LEASE + timedelta(seconds=1))
            assert await until(everyone) == everyone
            await assert_stored_is_computed(second, people.ids, clock.now())
        # the stopped process's claim is no longer its own: applying it does nothing
        assert await HEALTH_DUE.apply(first.app.state.write_sessions, stopped.claims[0]) == []


async def test_two_processes_share_due_work_without_overlap(
    tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> None:
    async with (
        database("postgres", tmp_path_factory.mktemp("share"), 1) as backend,
        serving(backend) as first,
        serving(backend) as second,
    ):
        people = People([await create_customer(first) for _ in range(30)], {}, [])
        for who in range(len(people.ids)):
            await apply_operation(first, people, clock.now(), ("ticket", who, 71))
        clock.move(timedelta(hours=1, seconds=1))
        settings = Settings(database_url=backend.url)
        rounds = await asyncio.gather(
            Scheduler(settings, first.app.state, batch=3).round(),
            Scheduler(settings, second.app.state, batch=3).round(),
        )
        one, two = (set(r[HEALTH_DUE.name]) for r in rounds)
        assert not one & two
        assert {str(k) for k in one | two} == {people_db_id(i) for i in people.ids}
        await assert_stored_is_computed(first, people.ids, clock.now())
