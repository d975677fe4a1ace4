"""Running alembic from code: the CLI, the app's tests and the benchmarks share this."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
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


async def upgrade_engine(engine: AsyncEngine) -> Migrated:
    """Upgrades to head on an engine from inside a running event loop."""
    config = alembic_config()

    def run(connection: Connection) -> Migrated:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return Migrated(before, MigrationContext.configure(connection).get_current_revision())

    async with engine.begin() as connection:
        return await connection.run_sync(run)
