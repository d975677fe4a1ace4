"""Running alembic from code: the CLI, the app's tests and the benchmarks share this."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from api.cli_errors import NO_TABLES, CommandError, causes
from api.db import create_engine

# The installed package's own scripts, so `cx360 migrate` works outside a checkout too.
SCRIPTS = Path(migrations.__file__).resolve().parent


@dataclass(frozen=True)
class Migrated:
    """The revision before and after an upgrade (None: no cx360 schema at all)."""

    before: str | None
    after: str | None

    def describe(self) -> str:
        """`migrated from none to 451c6992bb3e (change log and webhooks)` or `already at ...`."""
        if self.before == self.after:
            return f"database schema already at {_named(self.after)}: nothing to do"
        return f"migrated the database schema from {_named(self.before)} to {_named(self.after)}"


def _named(revision: str | None) -> str:
    if revision is None:
        return "none"
    try:
        script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except Exception:  # a revision this version does not know: its id says enough
        return revision
    title = (script.doc or "").strip() if script is not None else ""
    return f"{revision} ({title})" if title else revision


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")
    if url:
        config.attributes["url"] = url
    return config


def upgrade(url: str) -> Migrated:
    """Upgrades to head from synchronous code (the CLI)."""

    async def run() -> Migrated:
        engine = create_engine(url)
        try:
            return await upgrade_engine(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _current_revision(connection: Connection) -> str | None:
    """The database's revision (None: no migration applied); CommandError, in words, when
    its version table holds more than one, or none (no row, or a blank one) beside
    cx360's tables (edited by hand, or two histories mixed)."""
    try:
        current = MigrationContext.configure(connection).get_current_revision()
    except AlembicError:
        found = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        revisions = ", ".join(sorted(str(row[0]) for row in found))
        raise CommandError(
            f"the database's version table (alembic_version) holds more than one revision "
            f"({revisions}), which no cx360 migration leaves: keep the one row of the "
            "revision the schema is at, then run `cx360 migrate`"
        ) from None
    blank = current is not None and not current.strip()  # a row edited to ''
    if (current is None or blank) and sa.inspect(connection).has_table("customer"):
        raise CommandError(
            "the database has cx360's tables but its version table (alembic_version) "
            "names no revision, which no cx360 migration leaves: put back the row of the "
            "revision the schema is at, then run `cx360 migrate`"
        )
    return None if blank else current


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises for an id it does not know
        return False


def behind(current: str | None) -> str | None:
    """Why a database at revision `current` cannot be served (None: it can).

    No revision: no cx360 tables. A revision this version knows but not the newest:
    behind. A revision it does not know is newer code's: served (a rolling upgrade).
    """
    if current is None:
        return NO_TABLES.format(reason="no migration applied")
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current == head:
        return None
    if not _known(scripts, current):
        return None
    return (
        f"the database schema is at {_named(current)}, behind the newest migration "
        f"{_named(head)}: run `cx360 migrate`"
    )


# What a server answers that waiting will not change: the database does not exist, the
# password or the role is refused (SQLSTATE); raised for the CLI to say in one line.
PERMANENT = {"3D000", "28P01", "28000"}


async def schema_problem(engine: AsyncEngine, wait_seconds: float = 10) -> str | None:
    """`behind` for the database behind `engine`; None also when it does not answer.

    A database that is away at startup is not refused: the server answers 503 until it
    is back (docs/operators.md). One that the server says does not exist, or whose
    credentials it refuses, raises that error.
    """

    async def read() -> str | None:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    try:
        current = await asyncio.wait_for(read(), wait_seconds)
    except CommandError as error:  # a version table no migration could have left
        return error.message
    except Exception as error:  # unreachable now: serve, and report 503 until it is back
        if any(getattr(cause, "sqlstate", None) in PERMANENT for cause in causes(error)):
            raise
        return None
    return behind(current)


async def upgrade_engine(engine: AsyncEngine) -> Migrated:
    """Upgrades to head on an engine from inside a running event loop."""
    config = alembic_config()

    def run(connection: Connection) -> Migrated:
        before = _current_revision(connection)
        scripts = ScriptDirectory.from_config(config)
        if before is not None and not _known(scripts, before):
            head = scripts.get_current_head()
            raise CommandError(
                f"the database schema is at {before}, a migration this cx360 does not "
                f"have: a newer version migrated it (this one's newest is {_named(head)}). "
                "Nothing to migrate: this version serves it as it is (a rolling upgrade); "
                f"to take the schema back, run `alembic downgrade {head}` with the newer "
                "version (docs/operators.md)"
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return Migrated(before, MigrationContext.configure(connection).get_current_revision())

    async with engine.begin() as connection:
        return await connection.run_sync(run)
