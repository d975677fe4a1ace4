"""A filter value no record has (a misspelt segment or touchpoint kind) answers with zeros
and `extensions.warnings` naming the argument and the values that exist; a value that
exists, or a field that found data, gets no warning and no extra statement.
"""

from typing import Any

import pytest

from models import Role
from tests.conftest import Api

SEGMENT_FIELDS = {
    "metrics": 'metrics(filter: {segment: "SMB"}) { npsResponses ticketVolume }',
    "metricsSeries": 'metricsSeries(interval: MONTH, filter: {segment: "SMB"}) '
    "{ start metrics { ticketVolume } }",
    "journeyFunnel": 'journeyFunnel(filter: {segment: "SMB"}) { stage reached conversion }',
    "customers": 'customers(first: 5, filter: {segment: "SMB"}) { totalCount edges { node { id } } }',
}


async def _answer(api: Api, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await api.post(query, variables, Role.ANALYST)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body


def _segment_warning(body: Any) -> None:
    assert body["extensions"]["warnings"] == [
        {
            "argument": "filter.segment",
            "message": "no customer has segment 'SMB'; segments that exist: consumer, smb, "
            "enterprise (see dimensions { segments })",
        }
    ]


@pytest.mark.parametrize("field", sorted(SEGMENT_FIELDS))
async def test_a_misspelt_segment_answers_zeros_with_a_warning(api: Api, field: str) -> None:
    for _ in range(2):  # the second time, the compiled fast path answers on PostgreSQL
        _segment_warning(await _answer(api, "{ " + SEGMENT_FIELDS[field] + " }"))


async def test_a_segment_given_in_a_variable_is_checked_too(api: Api) -> None:
    query = "query($s: String) { m: metrics(filter: {segment: $s}) { ticketVolume } }"
    _segment_warning(await _answer(api, query, {"s": "SMB"}))
    assert "warnings" not in (await _answer(api, query, {"s": "smb"}))["extensions"]


async def test_a_misspelt_touchpoint_kind_gets_a_warning(api: Api) -> None:
    query = '{ touchpoints(first: 3, filter: {kind: ["purchase", "purchse"]}) { edges { node { id } } } }'
    body = await _answer(api, query.replace('"purchase", ', ""))
    (warning,) = body["extensions"]["warnings"]
    assert warning["argument"] == "filter.kind"
    assert warning["message"].startswith("no touchpoint has kind 'purchse'; kinds that exist: ")
    assert "purchase" in warning["message"]
    assert warning["message"].endswith("(see dimensions { kinds })")
    # "purchase" finds touchpoints: no warning for the misspelt one beside it.
    assert "warnings" not in (await _answer(api, query))["extensions"]


async def test_data_found_costs_no_extra_statement(api: Api) -> None:
    counts = []
    for segment in ("smb", None):
        given = f'(filter: {{segment: "{segment}"}})' if segment else ""
        del api.statements[:]
        body = await _answer(api, f"{{ metrics{given} {{ ticketVolume npsResponses }} }}")
        assert "warnings" not in body["extensions"]
        counts.append(len(api.statements))
    assert counts[0] == counts[1]
