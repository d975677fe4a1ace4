"""Writes that race each other: the loser gets a user error naming the field, never a fault.

Requests really run at once: twenty HTTP requests gathered against the app with its own
connection pool (PostgreSQL: concurrent transactions; SQLite: writers queued by
BEGIN IMMEDIATE and the busy timeout).
"""

import asyncio
import uuid
from typing import Any

from tests.conftest import Api

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id } userErrors { field message code } } }"""
MERGE = """mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s, mergedIds: $m}) {
  customer { id } userErrors { field message code } } }"""
CONCURRENT = 20


async def _all_at_once(api: Api, query: str, variables: list[dict[str, Any]]) -> list[Any]:
    responses = await asyncio.gather(*(api.post(query, v) for v in variables))
    for response in responses:
        assert response.status_code == 200, response.text
        assert "Unexpected error." not in response.text, response.text
        assert "errors" not in response.json(), response.text
    return [next(iter(r.json()["data"].values())) for r in responses]


def _outcome(results: list[Any]) -> tuple[list[Any], list[Any]]:
    created = [r["customer"] for r in results if r["customer"] is not None]
    errors = [e for r in results for e in r["userErrors"]]
    return created, errors


async def test_twenty_creates_with_one_email_make_one_customer(writable: Api) -> None:
    email = f"race.{uuid.uuid4().hex[:8]}@example.com"
    inputs = [{"input": {"name": f"Racer {i}", "email": email}} for i in range(CONCURRENT)]
    created, errors = _outcome(await _all_at_once(writable, CREATE, inputs))
    assert len(created) == 1
    assert len(errors) == CONCURRENT - 1
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {(("input", "email"), "CONFLICT")}
    found = await writable.query(
        "query($e: String!) { customerByEmail(email: $e) { id } }", {"e": email}
    )
    assert found["customerByEmail"]["id"] == created[0]["id"]


async def test_twenty_creates_with_one_external_id_make_one_customer(writable: Api) -> None:
    external = {"source": "crm", "id": f"R-{uuid.uuid4().hex}"}
    inputs = [
        {"input": {"name": f"Racer {i}", "externalIds": [external]}} for i in range(CONCURRENT)
    ]
    created, errors = _outcome(await _all_at_once(writable, CREATE, inputs))
    assert len(created) == 1
    assert len(errors) == CONCURRENT - 1
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        (("input", "externalIds", "0"), "CONFLICT")
    }


async def test_every_loser_names_every_field_it_lost_on(writable: Api) -> None:
    # Email and external id taken together: each loser reports both, whatever the timing
    # (rounds: a loser checking just as the winner commits is rare in any one round).
    for _ in range(15):
        email = f"race.{uuid.uuid4().hex[:8]}@example.com"
        external = {"source": "crm", "id": f"R-{uuid.uuid4().hex}"}
        inputs = [
            {"input": {"name": f"Racer {i}", "email": email, "externalIds": [external]}}
            for i in range(CONCURRENT)
        ]
        results = await _all_at_once(writable, CREATE, inputs)
        assert len([r for r in results if r["customer"] is not None]) == 1
        answers = {
            tuple(sorted((tuple(e["field"]), e["code"]) for e in r["userErrors"]))
            for r in results
            if r["customer"] is None
        }
        assert answers == {
            (
                (("input", "email"), "CONFLICT"),
                (("input", "externalIds", "0"), "CONFLICT"),
            )
        }, answers


async def _new_customer(api: Api) -> str:
    result = await api.query(CREATE, {"input": {"name": "Merge racer"}})
    customer: str = result["createCustomer"]["customer"]["id"]
    return customer


async def test_crossed_merges_never_deadlock_and_one_wins(writable: Api) -> None:
    for _ in range(6):
        a, b = await _new_customer(writable), await _new_customer(writable)
        results = await _all_at_once(writable, MERGE, [{"s": a, "m": [b]}, {"s": b, "m": [a]}])
        winners = [r for r in results if r["customer"] is not None]
        losers = [r for r in results if r["customer"] is None]
        assert len(winners) == 1 and len(losers) == 1, results
        (error,) = losers[0]["userErrors"]
        assert error["code"] in ("INVALID", "CONFLICT") and "merged" in error["message"]
