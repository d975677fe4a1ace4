"""Running alembic from code: the CLI, the app's tests and the benchmarks share this."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations

# The installed package's own scripts, so `cx360 migrate` works outside a checkout too.
SCRIPTS = Path(migrations.__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")
    if url:
        config.attributes["url"] = url
    return config


def upgrade(url: str | None = None) -> None:
    """Upgrades to head from synchronous code (the CLI)."""
    command.upgrade(alembic_config(url), "head")


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Upgrades to head on an engine from inside a running event loop."""
    config = alembic_config()

    def run(connection: object) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)
