"""The demo dataset is deterministic and has the variety the demo and tests rely on."""

from datetime import UTC, datetime

from models import JourneyStage, TicketStatus
from resolvers import seed

ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, again = seed.generate(50, 1, ANCHOR), seed.generate(50, 1, ANCHOR)
    other = seed.generate(50, 2, ANCHOR)
    assert first == again
    assert first.customers != other.customers


def test_dataset_is_realistic_and_consistent() -> None:
    data = seed.generate(300, 3, ANCHOR)
    customers = {c["id"]: c for c in data.customers}
    assert {c["segment"] for c in data.customers} == {"enterprise", "smb", "consumer"}
    assert {c["stage"] for c in data.customers} == set(JourneyStage)
    assert any(c["churned_at"] for c in data.customers)
    assert len({c["email"] for c in data.customers}) == len(data.customers)
    per_customer: dict = {}
    for external in data.external_ids:
        per_customer.setdefault(external["customer_id"], []).append(external)
    assert any(len(ids) > 1 for ids in per_customer.values())
    for touchpoint in data.touchpoints:
        owner = customers[touchpoint["customer_id"]]
        # stage never passes the customer's furthest stage; nothing after churn or anchor
        assert touchpoint["stage"].rank <= owner["stage"].rank
        assert owner["created_at"] <= touchpoint["occurred_at"] <= (owner["churned_at"] or ANCHOR)
        assert (touchpoint["value_cents"] is not None) == (touchpoint["kind"] == "purchase")
    statuses = {t["status"] for t in data.tickets}
    assert statuses == set(TicketStatus)
    assert any(t["reopen_count"] for t in data.tickets)
    assert any(t["contact_count"] > 1 for t in data.tickets)
    for ticket in data.tickets:
        if ticket["resolved_at"]:
            assert ticket["created_at"] <= ticket["first_response_at"] <= ticket["resolved_at"]
    kinds = {r["survey_kind"] for r in data.responses}
    assert len(kinds) == 3
    assert all(r["responded_at"] < ANCHOR for r in data.responses)
