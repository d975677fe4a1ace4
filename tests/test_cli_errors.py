"""Every `cx360` mistake reads as one line on stderr, exit code not 0, no traceback.

The real command runs in a subprocess, as an operator types it.
"""

import json
import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from models import Channel
from tests.test_ingestion_crash import CX360, free_port

POSTGRES = os.environ.get("CX360_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="CX360_TEST_POSTGRES_URL not set")


def cx360(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CX360, *args],
        env={**os.environ, "CX360_DATABASE_URL": url, "COLUMNS": "80", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The failure's only stderr line, which must hold every `expected` text."""
    assert result.returncode != 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def server_url(database: str, user: str | None = None, password: str | None = None) -> str:
    """The test PostgreSQL server, written the plain way (postgresql://, no +asyncpg)."""
    assert POSTGRES
    url = make_url(POSTGRES).set(drivername="postgresql", database=database)
    if user:
        url = url.set(username=user, password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('cli_errors') / 'cli.db'}"
    migrated = cx360("migrate", url=url)
    assert migrated.returncode == 0, migrated.stderr
    return url


def test_migrate_says_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = cx360("migrate", url=url)
    assert first.returncode == 0, first.stderr
    assert "migrated the database schema from none to " in first.stderr
    head = first.stderr.split(" to ", 1)[1].split()[0]
    again = cx360("migrate", url=url)
    assert again.returncode == 0 and f"already at {head}" in again.stderr


def test_migrate_on_a_schema_a_newer_version_migrated_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    """A database at a revision this version does not have (a newer cx360 migrated it):
    nothing is done, and one line says so and how to go back."""
    path = tmp_path / "newer.db"
    url = f"sqlite:///{path}"
    assert cx360("migrate", url=url).returncode == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed1234'")
    line = one_line(cx360("migrate", url=url), "f00dfeed1234", "newer version", "downgrade")
    assert "unexpected" not in line and "Traceback" not in line
    with sqlite3.connect(path) as connection:
        kept = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert kept == [("f00dfeed1234",)]


def test_a_version_table_with_two_revisions_or_none_is_one_line_for_migrate_and_serve(
    tmp_path: Path,
) -> None:
    """No migration leaves two rows in alembic_version, nor none (or a blank one) beside
    the tables: `migrate` and `serve` each say so in one line, and change nothing."""
    path = tmp_path / "two.db"
    url = f"sqlite:///{path}"
    assert cx360("migrate", url=url).returncode == 0
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO alembic_version VALUES ('bbb000000001')")
    for command in (["migrate"], ["serve", "--port", str(free_port())]):
        line = one_line(cx360(*command, url=url), "more than one revision", "bbb000000001")
        assert "unexpected" not in line, line
    with sqlite3.connect(path) as connection:
        assert len(connection.execute("SELECT * FROM alembic_version").fetchall()) == 2
        connection.execute("DELETE FROM alembic_version")
    for command in (["migrate"], ["serve", "--port", str(free_port())]):
        line = one_line(cx360(*command, url=url), "names no revision", "alembic_version")
        assert "unexpected" not in line and "no cx360 tables" not in line, line
    with sqlite3.connect(path) as connection:  # one row, blank: no revision either
        connection.execute("INSERT INTO alembic_version VALUES ('')")
    for command in (["migrate"], ["serve", "--port", str(free_port())]):
        line = one_line(cx360(*command, url=url), "names no revision", "alembic_version")
        assert "at , " not in line and "unexpected" not in line, line
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT * FROM alembic_version").fetchall() == [("",)]


@needs_postgres
def test_plain_postgresql_urls_use_asyncpg() -> None:
    assert POSTGRES
    database = make_url(POSTGRES).database or "postgres"
    for scheme in ("postgresql", "postgres"):
        url = server_url(database).replace("postgresql://", f"{scheme}://", 1)
        result = cx360("migrate", url=url)
        assert result.returncode == 0, result.stderr
        assert "migrated" in result.stderr or "already at" in result.stderr


@needs_postgres
def test_missing_database_is_one_line_naming_it_and_the_fix() -> None:
    result = cx360("migrate", url=server_url("cx360_no_such_database"))
    one_line(result, 'database "cx360_no_such_database" does not exist', "createdb")


@needs_postgres
@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (("cx360_no_such_database",), 'database "cx360_no_such_database" does not exist'),
        (("postgres", "cx360_no_such_role", "hunter2"), 'role "cx360_no_such_role"'),
    ],
    ids=["missing-database", "unknown-role"],
)
def test_serve_refuses_what_waiting_will_not_fix_in_one_line(
    where: tuple[str, ...], expected: str
) -> None:
    """A database that does not exist, or credentials the server refuses: `cx360 serve`
    says so in one line and exits 1 (a server that does not answer yet is still served,
    503 until it is back)."""
    url = server_url(*where)
    result = cx360("serve", "--port", str(free_port()), url=url)
    line = one_line(result, expected, "CX360_DATABASE_URL")
    assert result.returncode == 1 and "hunter2" not in line


@needs_postgres
def test_unknown_user_is_one_line() -> None:
    # The shared server trusts local connections, so a wrong password cannot be told
    # apart there: an unknown role is the authentication failure it does report.
    result = cx360("migrate", url=server_url("postgres", "cx360_no_such_role", "hunter2"))
    line = one_line(result, 'role "cx360_no_such_role" does not exist', "CX360_DATABASE_URL")
    assert "hunter2" not in line


def test_unreachable_server_is_one_line_without_the_password() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://cx360:hunter2@127.0.0.1:{port}/cx360"
    for command in (["migrate"], ["seed", "--if-empty"], ["keys", "list"]):
        line = one_line(cx360(*command, url=url), f"127.0.0.1:{port}", "CX360_DATABASE_URL")
        assert "hunter2" not in line


def test_unusable_settings_are_one_line(tmp_path: Path) -> None:
    one_line(cx360("migrate", url="mysql://a:b@host/db"), "CX360_DATABASE_URL", "postgresql://")
    one_line(cx360("keys", "list", url="sqlite://", CX360_PORT="eighty"), "CX360_PORT")
    one_line(cx360("migrate", url=f"sqlite:///{tmp_path}/no/such/dir/x.db"), "directory")


def test_unmigrated_database_says_to_migrate(tmp_path: Path) -> None:
    one_line(cx360("keys", "list", url=f"sqlite:///{tmp_path / 'empty.db'}"), "cx360 migrate")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = cx360("--debug", "keys", "list", url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_seed_refuses_a_database_with_data(sqlite_db: str) -> None:
    assert cx360("seed", "--customers", "5", url=sqlite_db).returncode == 0
    one_line(cx360("seed", "--customers", "5", url=sqlite_db), "already holds", "--if-empty")
    skipped = cx360("seed", "--customers", "5", "--if-empty", url=sqlite_db)
    assert skipped.returncode == 0 and "not seeding" in skipped.stderr


def test_busy_port_is_one_line_and_replaces_no_key(sqlite_db: str) -> None:
    created = cx360("keys", "create", "--name", "demo-busy", "--role", "ADMIN", url=sqlite_db)
    assert created.returncode == 0, created.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cx360("serve", "--port", str(port), "--demo-key", "demo-busy", url=sqlite_db)
    one_line(result, f"port {port}", "in use", "CX360_PORT=", "--port")
    assert not result.stdout  # no key printed, no banner
    listed = cx360("keys", "list", "--json", url=sqlite_db)
    keys = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [k["state"] for k in keys if k["name"] == "demo-busy"] == ["active"]


def test_keys_list_prints_whole_ids_when_piped(sqlite_db: str) -> None:
    cx360(
        "keys",
        "create",
        "--name",
        "a-rather-long-key-name-for-a-narrow-pipe",
        "--role",
        "PARTNER",
        url=sqlite_db,
    )
    keys = [
        json.loads(line)
        for line in cx360("keys", "list", "--json", url=sqlite_db).stdout.splitlines()
    ]
    assert keys and all(len(k["id"]) == 36 for k in keys)
    table = cx360("keys", "list", url=sqlite_db).stdout  # COLUMNS=80, stdout a pipe
    for key in keys:
        assert key["id"] in table and key["name"] in table
    revoked = cx360("keys", "revoke", keys[-1]["id"], url=sqlite_db)
    assert revoked.returncode == 0, revoked.stderr


def test_help_shows_flags_as_flags_and_serve_defaults() -> None:
    seed = cx360("seed", "--help", url="sqlite://").stdout
    assert "--if-empty" in seed and "<bool>" not in seed
    serve = cx360("serve", "--help", url="sqlite://").stdout
    assert "127.0.0.1" in serve and "8000" in serve and "--demo-key" in serve


def test_import_reports_every_problem_in_words(sqlite_db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    line = {
        "customer": {"email": "nobody@nowhere.example"},
        "occurredAt": "2026-10-01T10:00:00Z",
        "channel": "CARRIER_PIGEON",
        "stage": "RETENTION",
        "team": "PRODUCT",
        "kind": "k",
        "source": "s",
        "value": "lots",
        "currency": "USD",
        "sentiment": "happy",
    }
    path.write_text(json.dumps(line) + "\n")
    report = cx360("import", "touchpoints", str(path), url=sqlite_db).stderr
    assert "line 1, channel: 'CARRIER_PIGEON' is not one of" in report
    assert all(member.value in report for member in Channel)
    assert "line 1, value: 'lots' is not a number" in report
    assert "line 1, sentiment:" in report and "ConversionSyntax" not in report


def test_import_refuses_unknown_extensions(sqlite_db: str, tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text("{}\n")
    one_line(cx360("import", "touchpoints", str(path), url=sqlite_db), ".txt", ".jsonl", ".csv")


def test_import_columns_are_documented() -> None:
    from api.importer import COLUMNS

    help_text = cx360("import", "touchpoints", "--help", url="sqlite://").stdout
    partners = (Path(__file__).parent.parent / "docs" / "partners.md").read_text()
    for column in COLUMNS:
        assert column in help_text and f"`{column}`" in partners
    assert all(member.value in partners for member in Channel)


def startup_line(url: str, **env: str) -> tuple[dict[str, object], str]:
    """The `cx360 starting` log line of a real `cx360 serve`, and its stderr banner."""
    process = subprocess.Popen(
        [CX360, "serve", "--port", str(free_port())],
        env={**os.environ, "CX360_DATABASE_URL": url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        for text in process.stdout:
            line = json.loads(text)
            if line.get("message") == "cx360 starting":
                return line, process.stderr.readline()
        raise AssertionError("no startup line")
    finally:
        process.kill()
        process.wait()


def test_startup_line_names_the_setup_without_passwords(sqlite_db: str) -> None:
    redis = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    line, banner = startup_line(sqlite_db, CX360_REDIS_URL=redis, CX360_WEBHOOKS="false")
    assert line["environment"] == "development" and line["workers"] == 1
    assert line["graphiql"] is True and "GraphiQL" in banner
    assert line["database"] == sqlite_db
    assert "127.0.0.1" in str(line["redis"]) and "hunter2" not in json.dumps(line)


@needs_postgres
def test_production_startup_line_hides_password_and_graphiql() -> None:
    assert POSTGRES
    url = server_url(make_url(POSTGRES).database or "postgres", "postgres", "hunter2")
    assert cx360("migrate", url=url).returncode == 0  # serve refuses a schema behind
    line, banner = startup_line(url, CX360_ENVIRONMENT="production")
    assert line["environment"] == "production" and "graphiql" not in line
    assert "GraphiQL" not in banner
    assert "hunter2" not in json.dumps(line) and "127.0.0.1" in str(line["database"])
