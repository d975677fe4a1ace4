"""`cx360 export`: an analyst exports every customer with their touchpoints to JSONL from
the command line and loads it (pandas when installed, else the json module).

The command runs the bulkExport job itself, so its file is byte for byte the file
bulkExport serves for the same query and role; mistakes are one line naming the file.
"""

import asyncio
import importlib.util
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from models import Role
from tests.conftest import Api
from tests.test_bulk_operations import EXPORT, _key, bulk, export  # noqa: F401 (fixture)
from tests.test_cli import CX360


async def cx360(api: Api, *args: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """The command, awaited: the served app in this process keeps answering meanwhile
    (a blocked event loop could hold SQLite's write lock the command waits for)."""
    env = {
        **os.environ,
        "CX360_DATABASE_URL": api.backend.url,
        "CX360_BULK_DIR": str(directory / "cli-files"),
        "CX360_LOG_LEVEL": "warning",
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        CX360, *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode is not None
    return subprocess.CompletedProcess(
        [CX360, *args], process.returncode, stdout.decode(), stderr.decode()
    )


@pytest.fixture
def served(bulk: Api, tmp_path: Path) -> tuple[Api, Path]:  # noqa: F811 (the fixture)
    """The bulk operations' database (SQLite and PostgreSQL), served, and a directory."""
    return bulk, tmp_path


async def served_file(api: Api, query: str, role: Role) -> bytes:
    done = await export(api, query, role)
    assert done["status"] == "COMPLETED", done
    response = await api.client.get(done["url"], headers=_key(api, role))
    assert response.status_code == 200
    return response.content


def load(path: Path) -> list[dict[str, Any]]:
    """The lines as an analyst loads them: pandas.read_json(lines=True) when installed."""
    if importlib.util.find_spec("pandas") is not None:
        import pandas

        frame = pandas.read_json(path, lines=True, dtype=False)
        return [
            {k: v for k, v in row.items() if not pandas.isna(v)} for row in frame.to_dict("records")
        ]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_cli_export_is_the_bulk_export_file(served: Any) -> None:
    api, directory = served
    query = directory / "customers.graphql"
    query.write_text(EXPORT, encoding="utf-8")
    out = directory / "customers.jsonl"
    result = await cx360(
        api, "export", "--query", str(query), "--out", str(out), directory=directory
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == await served_file(api, EXPORT, Role.ADMIN)
    summary = json.loads(result.stdout)
    assert summary["bytes"] == out.stat().st_size and "exported" in result.stderr

    rows = load(out)
    assert summary["lines"] == len(rows)
    customers = {r["id"]: r for r in rows if "__parentId" not in r}
    touchpoints = [r for r in rows if "__parentId" in r]
    listed = await api.query("{ customers(first: 100) { totalCount } }")
    assert len(customers) == listed["customers"]["totalCount"] > 6
    assert touchpoints and all(t["__parentId"] in customers for t in touchpoints)
    assert all("@" in c["email"] and "***" not in c["email"] for c in customers.values())


async def test_cli_export_runs_under_the_keys_role(served: Any) -> None:
    api, directory = served
    query = directory / "emails.graphql"
    text = "{ customers { edges { node { id email } } } }"
    query.write_text(text, encoding="utf-8")
    out = directory / "emails.jsonl"
    result = await cx360(
        api,
        "export",
        "--query",
        str(query),
        "--out",
        str(out),
        "--key",
        "test-marketing",
        directory=directory,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == await served_file(api, text, Role.MARKETING)
    assert all("***@" in row["email"] for row in load(out))


async def test_cli_export_of_a_query_without_a_connection_is_one_line(served: Any) -> None:
    api, directory = served
    out = directory / "kept.jsonl"
    out.write_text("earlier export\n")
    not_a_list = directory / "viewer.graphql"
    not_a_list.write_text("{ viewer { role } }")
    refused = await cx360(
        api, "export", "--query", str(not_a_list), "--out", str(out), directory=directory
    )
    assert refused.returncode == 1 and not refused.stdout
    assert refused.stderr.startswith(f"error: {not_a_list}: `viewer` is not a connection")
    assert "Traceback" not in refused.stderr
    assert out.read_text() == "earlier export\n"
    assert not list(directory.glob(".kept.jsonl.*.part"))


async def test_cli_export_file_mistakes_are_one_line_and_leave_out_untouched(
    served: Any,
) -> None:
    api, directory = served
    if api.backend.name != "sqlite":
        pytest.skip("file mistakes are found before the database is opened: checked on SQLite")
    out = directory / "kept.jsonl"
    out.write_text("earlier export\n")
    query = directory / "ok.graphql"
    query.write_text("{ customers { edges { node { id } } } }")
    nowhere = directory / "missing-dir" / "out.jsonl"
    unwritable = await cx360(
        api, "export", "--query", str(query), "--out", str(nowhere), directory=directory
    )
    assert unwritable.returncode == 1
    assert "missing-dir does not exist" in unwritable.stderr and not nowhere.parent.exists()

    latin1 = directory / "latin1.graphql"
    latin1.write_bytes("{ customers { edges { node { id } } } } # caf\xe9".encode("latin-1"))
    garbled = await cx360(
        api, "export", "--query", str(latin1), "--out", str(out), directory=directory
    )
    assert garbled.returncode == 1 and "not UTF-8" in garbled.stderr

    missing = await cx360(
        api,
        "export",
        "--query",
        str(directory / "nope.graphql"),
        "--out",
        str(out),
        directory=directory,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert not list(directory.glob(".kept.jsonl.*.part"))
    assert out.read_text() == "earlier export\n"
