"""The `cx360` command as an operator or a script uses it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CX360 = str(Path(sys.executable).parent / "cx360")


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CX360_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "COLUMNS": "200"}
    return subprocess.run([CX360, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli.db"
    migrated = run("migrate", db=path)
    assert migrated.returncode == 0, migrated.stderr
    return path


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["migrate"],
        ["seed"],
        ["keys"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke"],
        ["export"],
    ],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = run(*command, "--help", db=tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_keys_create_prints_only_the_key_on_stdout(db: Path) -> None:
    created = run("keys", "create", "--name", "script", "--role", "partner", db=db)
    assert created.returncode == 0, created.stderr
    assert created.stdout.count("\n") == 1 and created.stdout.startswith("cx360_")
    assert "shown only once" in created.stderr

    duplicate = run("keys", "create", "--name", "script", "--role", "ADMIN", db=db)
    assert duplicate.returncode == 1 and "--replace" in duplicate.stderr and not duplicate.stdout

    listed = run("keys", "list", db=db)
    assert "script" in listed.stdout and "PARTNER" in listed.stdout
    assert created.stdout.strip() not in listed.stdout

    assert run("keys", "revoke", "script", db=db).returncode == 0
    assert "revoked" in run("keys", "list", db=db).stdout
    assert run("keys", "revoke", "script", db=db).returncode == 1


def test_bad_role_names_the_choices(db: Path) -> None:
    result = run("keys", "create", "--name", "x", "--role", "boss", db=db)
    assert result.returncode != 0
    assert "--role" in result.stderr and "analyst" in result.stderr.lower()


def test_seed_if_empty_seeds_once(db: Path) -> None:
    first = run("seed", "--customers", "30", "--if-empty", db=db)
    assert first.returncode == 0 and "seeded 30 customers" in first.stderr
    second = run("seed", "--customers", "30", "--if-empty", db=db)
    assert second.returncode == 0 and "not seeding" in second.stderr
