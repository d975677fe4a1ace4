"""Alembic environment: async engines, or a connection handed over by `api.migrate`."""

import asyncio
import logging.config
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

import models  # noqa: F401  (registers every table on the metadata)
from api.db import create_engine
from api.settings import get_settings
from models.base import metadata

config = context.config
if config.config_file_name is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _compared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Whether `alembic check` compares this object. Not the indexes on an expression
    (`info={"expression": True}`): PostgreSQL gives their text back over several lines,
    which alembic cannot match to the model's; their migration creates them, and
    tests/test_compiled_reads.py checks that the database reads them."""
    index = obj if not reflected else compare_to
    return not (type_ == "index" and index is not None and index.info.get("expression"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        user_module_prefix="models.types.",
        include_object=_compared,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = config.attributes.get("url") or get_settings().database_url
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

handed_over = config.attributes.get("connection")
if handed_over is not None:
    _configure(handed_over)
else:
    asyncio.run(_run_async())
