"""Every operation in examples/ runs against the seeded demo, with its team's key."""

from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from models import Role
from schema.node import to_global_id
from tests.conftest import Api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEAMS = {
    "marketing": Role.MARKETING,
    "sales": Role.SALES,
    "support": Role.SUPPORT,
    "partner": Role.PARTNER,
    "analyst": Role.ANALYST,
}
FILES = sorted(EXAMPLES.glob("*/*.graphql"))
DOCUMENTS = {path: path.read_text() for path in FILES}


def variables_for(api: Api, document: str) -> dict[str, Any]:
    """Values for the operation's variables, taken from the seeded data."""
    data = api.backend.data
    customer = data.customers[0]
    external = next(e for e in data.external_ids if e["customer_id"] == customer["id"])
    known: dict[str, Any] = {
        "id": to_global_id("Customer", customer["id"]),
        "from": "2026-08-01T00:00:00Z",
        "to": "2026-11-01T00:00:00Z",
        "segment": "smb",
        "source": external["source"],
        "externalId": external["external_id"],
        "touchpoints": [
            {
                "customer": {
                    "externalId": {"source": external["source"], "id": external["external_id"]}
                },
                "occurredAt": "2026-10-30T12:00:00Z",
                "channel": "APP",
                "stage": "RETENTION",
                "team": "PRODUCT",
                "kind": "app_login",
                "source": "partner-app",
                "externalId": "evt-1",
            }
        ],
    }
    (operation,) = [
        d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
    ]
    return {
        v.variable.name.value: known[v.variable.name.value]
        for v in operation.variable_definitions or ()
    }


def test_every_team_has_examples() -> None:
    assert {path.parent.name for path in FILES} == set(TEAMS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_example_runs_for_its_team(api: Api, writable: Api, path: Path) -> None:
    document = DOCUMENTS[path]
    (operation,) = [
        d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
    ]
    target = writable if operation.operation.value == "mutation" else api  # writes: own database
    data = await target.query(
        document, variables_for(target, document), role=TEAMS[path.parent.name]
    )
    assert data and all(value is not None for value in data.values())
