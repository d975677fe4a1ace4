"""createSurvey fixes the scale; submitSurveyResponse checks the score and the ticket."""

import uuid
from typing import Any

from tests.conftest import Api

SUBMIT = """mutation($input: SurveyResponseInput!) { submitSurveyResponse(input: $input) {
  surveyResponse { id score comment respondedAt survey { kind } ticket { id } customer { id } }
  userErrors { field message code } } }"""


async def survey(api: Api, kind: str) -> dict[str, Any]:
    data = await api.query(
        'mutation($k: SurveyKind!) { createSurvey(input: {kind: $k, question: "How was it?"}) '
        "{ survey { id kind scaleMin scaleMax } userErrors { field } } }",
        {"k": kind},
    )
    return data["createSurvey"]["survey"]


async def customer_with_ticket(api: Api) -> tuple[str, str]:
    created = await api.query(
        'mutation($e: String!) { createCustomer(input: {name: "S", email: $e}) { customer { id } } }',
        {"e": f"s-{uuid.uuid4().hex}@x.example"},
    )
    customer_id = created["createCustomer"]["customer"]["id"]
    opened = await api.query(
        'mutation($id: ID!) { openTicket(input: {customer: {id: $id}, subject: "Help", channel: CHAT}) '
        "{ ticket { id } } }",
        {"id": customer_id},
    )
    return customer_id, opened["openTicket"]["ticket"]["id"]


async def test_each_kind_gets_its_scale(writable: Api) -> None:
    scales = {kind: await survey(writable, kind) for kind in ("NPS", "CSAT", "CES")}
    assert {k: (s["scaleMin"], s["scaleMax"]) for k, s in scales.items()} == {
        "NPS": (0, 10),
        "CSAT": (1, 5),
        "CES": (1, 7),
    }


async def test_scores_outside_the_scale_are_refused(writable: Api) -> None:
    csat = await survey(writable, "CSAT")
    customer_id, _ = await customer_with_ticket(writable)
    for score in (0, 6):
        result = (
            await writable.query(
                SUBMIT,
                {
                    "input": {
                        "surveyId": csat["id"],
                        "customer": {"id": customer_id},
                        "score": score,
                    }
                },
            )
        )["submitSurveyResponse"]
        assert result["surveyResponse"] is None
        assert result["userErrors"][0]["field"] == ["input", "score"]
        assert "1 to 5" in result["userErrors"][0]["message"]


async def test_a_response_follows_up_only_the_customers_own_ticket(writable: Api) -> None:
    nps = await survey(writable, "NPS")
    customer_id, ticket_id = await customer_with_ticket(writable)
    other_customer, other_ticket = await customer_with_ticket(writable)
    refused = (
        await writable.query(
            SUBMIT,
            {
                "input": {
                    "surveyId": nps["id"],
                    "customer": {"id": customer_id},
                    "ticketId": other_ticket,
                    "score": 9,
                }
            },
        )
    )["submitSurveyResponse"]
    assert refused["userErrors"][0]["field"] == ["input", "ticketId"]
    accepted = (
        await writable.query(
            SUBMIT,
            {
                "input": {
                    "surveyId": nps["id"],
                    "customer": {"id": customer_id},
                    "ticketId": ticket_id,
                    "score": 0,
                    "comment": "slow",
                    "respondedAt": "2026-10-01T10:00:00.5Z",
                }
            },
        )
    )["submitSurveyResponse"]
    response = accepted["surveyResponse"]
    assert accepted["userErrors"] == [] and response["score"] == 0
    assert response["respondedAt"] == "2026-10-01T10:00:00.5+00:00"
    assert response["ticket"]["id"] == ticket_id and response["survey"]["kind"] == "NPS"
    follow_ups = await writable.query(
        "query($id: ID!) { node(id: $id) { ... on Ticket { surveyResponses { id } } } }",
        {"id": ticket_id},
    )
    assert follow_ups["node"]["surveyResponses"] == [{"id": response["id"]}]
    assert other_customer != customer_id
