"""`cx360 import touchpoints`: all lines valid or nothing imported; idempotent reruns."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from schema.node import to_global_id
from tests.conftest import Api

CX360 = str(Path(sys.executable).parent / "cx360")


def run_import(api: Api, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CX360_DATABASE_URL": api.backend.url, "COLUMNS": "200"}
    return subprocess.run(
        [CX360, "import", "touchpoints", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def count(api: Api, source: str) -> int:
    data = await api.query(
        "query($k: [String!]) { touchpoints(filter: {kind: $k}) { totalCount } }", {"k": [source]}
    )
    return int(data["touchpoints"]["totalCount"])


async def test_jsonl_import_is_validated_then_idempotent(writable: Api, tmp_path: Path) -> None:
    customer = writable.backend.data.customers[0]
    external = next(
        e for e in writable.backend.data.external_ids if e["customer_id"] == customer["id"]
    )
    kind = f"import-{uuid.uuid4().hex[:8]}"
    base = {
        "occurredAt": "2026-10-01T10:00:00Z",
        "channel": "web",
        "stage": "RETENTION",
        "team": "PRODUCT",
        "kind": kind,
        "source": "bulk",
    }
    lines = [
        {
            **base,
            "customer": {"email": customer["email"]},
            "externalId": "e1",
            "value": "9.99",
            "currency": "USD",
        },
        {
            **base,
            "customer": {
                "externalId": {"source": external["source"], "id": external["external_id"]}
            },
            "externalId": "e2",
        },
        {**base, "customer": {"id": to_global_id("Customer", customer["id"])}, "externalId": "e3"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    first = run_import(writable, path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"created": 3, "duplicates": 0}
    again = run_import(writable, path)
    assert json.loads(again.stdout) == {"created": 0, "duplicates": 3}
    assert await count(writable, kind) == 3


async def test_csv_import(writable: Api, tmp_path: Path) -> None:
    customer = writable.backend.data.customers[1]
    kind = f"csv-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "events.csv"
    path.write_text(
        "customerEmail,occurredAt,channel,stage,team,kind,source,externalId,value,currency\n"
        f"{customer['email']},2026-10-02T00:00:00Z,EMAIL,DECISION,SALES,{kind},crm,c1,120.50,EUR\n"
        f"{customer['email']},2026-10-03T00:00:00+02:00,PHONE,DECISION,SALES,{kind},crm,c2,,\n"
    )
    result = run_import(writable, path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"created": 2, "duplicates": 0}
    assert await count(writable, kind) == 2


async def test_one_bad_line_imports_nothing_and_every_problem_is_reported(
    writable: Api, tmp_path: Path
) -> None:
    customer = writable.backend.data.customers[2]
    kind = f"bad-{uuid.uuid4().hex[:8]}"
    good = {
        "customer": {"email": customer["email"]},
        "occurredAt": "2026-10-01T10:00:00Z",
        "channel": "WEB",
        "stage": "AWARENESS",
        "team": "MARKETING",
        "kind": kind,
        "source": "bulk",
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                json.dumps({**good, "channel": "CARRIER_PIGEON"}),
                json.dumps({**good, "customer": {"email": "nobody@nowhere.example"}}),
                "{not json",
                json.dumps({**good, "occurredAt": "2026-10-01T10:00:00"}),
                json.dumps({**good, "value": "1.999", "currency": "USD"}),
            ]
        )
        + "\n"
    )
    result = run_import(writable, path)
    assert result.returncode == 1
    report = result.stderr.replace("\n", " ")
    for expected in (
        "line 2, channel",
        "line 3, customer",
        "line 4, line",
        "line 5, occurredAt",
        "line 6, value",
        "5 problem(s)",
        "nothing imported",
    ):
        assert expected in report, (expected, result.stderr)
    assert await count(writable, kind) == 0
