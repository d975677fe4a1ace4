"""A newcomer's mistakes with `cx360`: each one line on stderr naming the fix, exit code not 0.

The real command runs in a subprocess from a clean directory, as an operator types it.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from starlette.applications import Starlette

from api.cli_errors import without_password
from api.migrate import alembic_config
from api.settings import Settings
from tests.test_cli_errors import cx360, one_line, startup_line
from tests.test_ingestion_crash import CX360, free_port

VALID = "query Roles { viewer { role } }"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database `cx360 migrate` made, once for the module."""
    path = tmp_path_factory.mktemp("migrated") / "cli.db"
    assert cx360("migrate", url=f"sqlite+aiosqlite:///{path}").returncode == 0
    return path


@pytest.fixture
def db(migrated: Path, tmp_path: Path) -> str:
    """A test's own copy of the migrated database (a file copy, not another migrate)."""
    path = tmp_path / "cli.db"
    shutil.copyfile(migrated, path)
    return f"sqlite+aiosqlite:///{path}"


def key(url: str, name: str, role: str = "PARTNER") -> None:
    created = cx360("keys", "create", "--name", name, "--role", role, url=url)
    assert created.returncode == 0, created.stderr


def listed(url: str) -> list[dict[str, object]]:
    result = cx360("keys", "list", "--json", url=url)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_trust_refuses_invalid_documents_and_untrust_lifts_the_restriction(
    db: str, tmp_path: Path
) -> None:
    key(db, "p")
    wrong, csv, good = tmp_path / "wrong.graphql", tmp_path / "rows.csv", tmp_path / "ok.graphql"
    wrong.write_text("query { nope }")
    csv.write_text("a,b\n1,2\n")
    good.write_text(VALID)
    one_line(cx360("keys", "trust", "p", str(good), str(wrong), url=db), "wrong.graphql", "nope")
    one_line(cx360("keys", "trust", "p", str(csv), url=db), "rows.csv", "Syntax Error")
    assert listed(db)[0]["trustedOnly"] is False  # nothing registered, not locked out

    assert cx360("keys", "trust", "p", str(good), url=db).returncode == 0
    [row] = listed(db)
    assert row["trustedOnly"] is True and row["trustedDocuments"] == 1
    assert "only 1" in cx360("keys", "list", url=db).stdout

    one_line(cx360("keys", "untrust", "p", url=db), "--all")
    lifted = cx360("keys", "untrust", "p", "--all", url=db)
    assert lifted.returncode == 0 and "any query" in lifted.stderr
    [row] = listed(db)
    assert row["trustedOnly"] is False and row["trustedDocuments"] == 0


def test_serve_refuses_a_database_without_tables_or_behind(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    url = f"sqlite+aiosqlite:///{empty}"
    port = str(free_port())
    one_line(cx360("serve", "--port", port, url=url), "no cx360 tables", "cx360 migrate")
    assert cx360("migrate", url=url).returncode == 0
    scripts = ScriptDirectory.from_config(alembic_config())
    oldest = [revision.revision for revision in scripts.walk_revisions()][-1]
    with sqlite3.connect(empty) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (oldest,))
    one_line(cx360("serve", "--port", port, url=url), "behind the newest", "cx360 migrate")


async def test_readyz_is_503_on_a_database_without_tables(tmp_path: Path) -> None:
    from api.app import create_app

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{empty}", webhooks=False, scheduler=False
    )
    app = create_app(settings)
    assert isinstance(app, Starlette)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cx360") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "not migrated"


def test_settings_out_of_range_name_the_variable_and_accepted_values(db: str) -> None:
    line = one_line(cx360("keys", "list", url=db, CX360_ENVIRONMENT="prod"), "CX360_ENVIRONMENT")
    assert "development" in line and "production" in line
    one_line(cx360("keys", "list", url=db, CX360_MAX_DEPTH="-1"), "CX360_MAX_DEPTH", "1 to 1000")
    one_line(cx360("keys", "list", url=db, CX360_PORT="99999"), "CX360_PORT", "1 to 65535")
    production = cx360("keys", "list", url=db, CX360_ENVIRONMENT="Production")
    assert production.returncode == 0, production.stderr
    one_line(cx360("keys", "list", url="notaurl"), "not a database URL", "postgresql://")


def test_passwords_in_query_strings_are_never_shown(db: str) -> None:
    shown = without_password("postgresql://postgres@127.0.0.1:5432/x?password=dbqspw")
    assert "dbqspw" not in shown and "127.0.0.1:5432/x" in shown
    assert "s3" not in without_password("postgresql://u@h/x?sslmode=require&PWD=s3&Token=s3")
    redis = f"redis://user:redispw@127.0.0.1:{free_port()}/0?password=qspw"
    line, _ = startup_line(db, CX360_REDIS_URL=redis, CX360_WEBHOOKS="false")
    assert "redispw" not in json.dumps(line) and "qspw" not in json.dumps(line)
    assert "user@127.0.0.1" in str(line["redis"])


def test_import_reads_bom_and_reports_header_and_empty_files_once(db: str, tmp_path: Path) -> None:
    bom = tmp_path / "excel.csv"
    bom.write_bytes(
        "\ufeffcustomerEmail,occurredAt,channel,stage,team,kind,source\n"
        "nobody@nowhere.example,2026-10-01T10:00:00Z,web,retention,product,k,s\n".encode()
    )
    report = cx360("import", "touchpoints", str(bom), url=db).stderr
    assert "unknown column" not in report and "no customer matches" in report

    lacking = tmp_path / "lacking.csv"
    lacking.write_text("customerEmail,occurredAt,channel,kind,source\n" + "a@b.c,x,WEB,k,s\n" * 50)
    report = cx360("import", "touchpoints", str(lacking), url=db).stderr
    assert report.count("lacks required columns stage, team") == 1, report
    assert "the columns are: customerEmail, occurredAt" in report

    for name, content in (
        ("zero.csv", b""),
        ("header.csv", b"customerEmail,occurredAt,channel,stage,team,kind,source\n"),
        ("e.jsonl", b"\n"),
    ):
        (tmp_path / name).write_bytes(content)
        one_line(cx360("import", "touchpoints", str(tmp_path / name), url=db), "no rows")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"kind": "caf\xe9"}\n')
    one_line(cx360("import", "touchpoints", str(latin), url=db), "latin.jsonl", "not UTF-8")


def test_file_and_port_mistakes_are_one_line(db: str, tmp_path: Path) -> None:
    key(db, "p")
    one_line(cx360("keys", "trust", "p", str(tmp_path / "missing.graphql"), url=db), "missing")
    one_line(cx360("keys", "trust", "p", str(tmp_path), url=db), "directory")
    one_line(cx360("serve", "--port", "99999", url=db), "--port", "65535")
    locked = tmp_path / "locked.graphql"
    locked.write_text(VALID)
    locked.chmod(0)
    result = cx360("keys", "trust", "p", str(locked), url=db)
    if locked.stat().st_mode and result.returncode == 0:  # root reads anyway
        return
    one_line(result, "locked.graphql")


def test_keys_list_piped_is_tab_separated_and_revoke_takes_what_it_shows(db: str) -> None:
    key(db, "first")
    key(db, "second")
    lines = cx360("keys", "list", url=db).stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["id", "name", "role"]
    assert not any(mark in "".join(lines) for mark in "┃│━─")
    shown = lines[1].split("\t")
    assert len(shown[0]) == 36 and shown[3].endswith("…")
    revoked = cx360("keys", "revoke", f"  {shown[3]} ", url=db)
    assert revoked.returncode == 0, revoked.stderr
    assert [k["state"] for k in listed(db)] == ["revoked", "active"]
    again = one_line(cx360("keys", "revoke", shown[3], url=db), "already revoked", "keys list")
    assert again and cx360("keys", "revoke", " second\n", url=db).returncode == 0


def test_commands_other_than_migrate_do_not_create_a_database(tmp_path: Path) -> None:
    env = {**os.environ, "CX360_DATABASE_URL": "sqlite+aiosqlite:///./cx360.db"}
    result = subprocess.run(
        [CX360, "keys", "list"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    line = one_line(result, "no database at", "cx360 migrate", "CX360_DATABASE_URL")
    assert str(tmp_path / "cx360.db") in line and not (tmp_path / "cx360.db").exists()


def test_usage_errors_are_one_line_with_exit_code_2(db: str) -> None:
    for args in (["keys", "revoke"], ["keys", "list", "--bogus"], ["seed", "--customers", "x"]):
        result = cx360(*args, url=db)
        assert result.returncode == 2
        one_line(result, "--help")
    nobody = cx360("keys", "revoke", "nobody", url=db)
    assert one_line(nobody, "no active key") and nobody.returncode == 1
    assert cx360("keys", "trust", "nobody", __file__, url=db).returncode == 1


def test_help_roles_banner_and_summaries_read_plainly(db: str) -> None:
    serve = cx360("serve", "--help", url=db).stdout
    assert "(127.0.0.1)" not in serve and "(8000)" not in serve
    assert "{" not in cx360("keys", "revoke", "--help", url=db).stdout
    create = cx360("keys", "create", "--help", url=db).stdout
    assert "PARTNER" in create and "partner" not in create
    key(db, "lower", "partner")
    assert listed(db)[0]["role"] == "PARTNER"
    wrong = one_line(cx360("keys", "create", "--name", "x", "--role", "boss", url=db), "--role")
    assert "ANALYST" in wrong
    _, banner = startup_line(db, CX360_HOST="0.0.0.0", CX360_WEBHOOKS="false")
    assert "http://127.0.0.1:" in banner
    seeded = cx360("seed", "--customers", "3", url=db)  # COLUMNS=80, stderr a pipe
    assert any(
        line.startswith("seeded 3 customers") and "rows) in" in line
        for line in seeded.stderr.splitlines()
    ), seeded.stderr
