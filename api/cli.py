"""`cx360`: serve, migrate, seed and manage API keys.

Results a script may capture (a new key) go alone to stdout; messages go to stderr.
"""

import asyncio
import json
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from api.db import database
from api.observability import json_log_config
from api.settings import get_settings
from models import Role
from resolvers import keys as key_store
from resolvers import seed as demo
from resolvers.errors import InputError

app = typer.Typer(help="cx360: the customer-360 GraphQL API.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
docs_app = typer.Typer(help="Print documents generated from the code.", no_args_is_help=True)
import_app = typer.Typer(help="Import records from files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(docs_app, name="docs")
messages = Console(stderr=True)
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coroutine)
    except InputError as error:
        messages.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (CX360_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CX360_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (CX360_WORKERS).")] = None,
) -> None:
    """Serve the API and GraphiQL at http://HOST:PORT/graphql."""
    import uvicorn

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    messages.print(f"cx360 serving GraphiQL at http://{host}:{port}/graphql")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        log_config=json_log_config(settings.log_level),
        # Access lines carry GET query strings, whose variables may hold personal data;
        # cx360.requests logs one structured line per request instead.
        access_log=False,
        # A WebSocket message may be as large as an HTTP body, no larger (closed with 1009).
        ws_max_size=settings.max_body_bytes,
    )


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration (alembic upgrade head)."""
    from api.migrate import upgrade

    upgrade(get_settings().database_url)
    messages.print("database schema is up to date")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(min=1, help="How many customers to create.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 42,
    anchor: Annotated[
        datetime | None,
        typer.Option(help="The dataset's 'now' (UTC); defaults to today 00:00 UTC."),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when customers already exist.")
    ] = False,
) -> None:
    """Fill the database with a deterministic, realistic demo dataset."""
    now = anchor.replace(tzinfo=anchor.tzinfo or UTC) if anchor else datetime.now(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) if anchor is None else now
    _run(_seed(customers, seed, day, if_empty))


async def _seed(customers: int, seed: int, anchor: datetime, if_empty: bool) -> None:
    settings = get_settings()
    async with database(settings.database_url) as (engine, _):
        if not await demo.is_empty(engine):
            if if_empty:
                messages.print("database already has customers: not seeding")
                return
            messages.print("[yellow]adding to a database that already has customers[/yellow]")
        started = datetime.now(UTC)
        data = demo.generate(customers, seed, anchor)
        columns = (
            *Progress.get_default_columns()[:2],
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=messages) as progress:
            task = progress.add_task("seeding rows", total=data.row_count)
            await demo.write(engine, data, lambda n: progress.advance(task, n))
        seconds = (datetime.now(UTC) - started).total_seconds()
        messages.print(
            f"seeded {customers} customers, {len(data.touchpoints)} touchpoints, "
            f"{len(data.tickets)} tickets, {len(data.responses)} survey responses "
            f"({data.row_count} rows) in {seconds:.1f}s"
        )


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'support-desk'.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="What the key may do.")],
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Expire after this many days (default: never).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Revoke active keys of the same name first.")
    ] = False,
) -> None:
    """Create a key and print it once on stdout; only its digest is stored."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None

    async def create() -> key_store.IssuedKey:
        async with database(get_settings().database_url) as (_, sessions):
            return await key_store.create_key(sessions, name, role, expires_at, replace)

    issued = _run(create())
    messages.print(f"created {issued.key.role.value} key '{issued.key.name}' (shown only once):")
    sys.stdout.write(issued.token + "\n")


@keys_app.command("list")
def list_keys() -> None:
    """List keys with their role and state (never the keys themselves)."""

    async def fetch() -> list[Any]:
        async with database(get_settings().database_url) as (_, sessions):
            return await key_store.list_keys(sessions)

    table = Table("id", "name", "role", "prefix", "created", "expires", "state")
    now = datetime.now(UTC)
    for key in _run(fetch()):
        state = (
            "revoked"
            if key.revoked_at
            else ("expired" if key.expires_at and key.expires_at <= now else "active")
        )
        table.add_row(
            str(key.id),
            key.name,
            key.role.value,
            key.key_prefix + "…",
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            key.expires_at.strftime("%Y-%m-%d") if key.expires_at else "never",
            state,
        )
    Console().print(table)


@keys_app.command("revoke")
def revoke_key(
    name_or_id: Annotated[str, typer.Argument(help="The key's name or id (see `keys list`).")],
) -> None:
    """Revoke a key: its next request is refused."""

    async def revoke() -> int:
        async with database(get_settings().database_url) as (_, sessions):
            return await key_store.revoke_key(sessions, name_or_id)

    count = _run(revoke())
    if count == 0:
        messages.print(f"[red]error:[/red] no active key named or with id '{name_or_id}'")
        raise typer.Exit(1)
    messages.print(f"revoked {count} key(s)")


@docs_app.command("security")
def security_doc() -> None:
    """The role matrix and personal-data rules (docs/security.md)."""
    from api.docs import security_markdown

    sys.stdout.write(security_markdown())


@keys_app.command("trust")
def trust_documents(
    name_or_id: Annotated[str, typer.Argument(help="The key's name or id.")],
    files: Annotated[list[Path], typer.Argument(help="GraphQL documents (.graphql) to register.")],
    also_others: Annotated[
        bool, typer.Option("--also-others", help="Register without restricting the key to them.")
    ] = False,
) -> None:
    """Register documents for a key (persisted queries) and restrict the key to them.

    Prints each document's sha256Hash, which clients send as
    `extensions.persistedQuery.sha256Hash`.
    """
    documents = {path.name: path.read_text() for path in files}

    async def trust() -> list[str]:
        async with database(get_settings().database_url) as (_, sessions):
            return await key_store.trust_documents(
                sessions, name_or_id, documents, only=not also_others
            )

    for path, sha256 in zip(files, _run(trust()), strict=True):
        sys.stdout.write(f"{sha256}  {path.name}\n")


@docs_app.command("configuration")
def configuration_doc() -> None:
    """Every CX360_ setting with its default and meaning (docs/configuration.md)."""
    from api.docs import configuration_markdown

    sys.stdout.write(configuration_markdown())


@import_app.command("touchpoints")
def import_touchpoints(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".jsonl or .csv")],
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Events per transaction.")] = 500,
) -> None:
    """Validate every line, then import all (idempotently) or, if any line is bad, nothing."""
    from api.db import create_engine, create_session_factory, is_sqlite
    from api.importer import import_touchpoints as run_import
    from api.importer import validate

    async def main() -> None:
        url = get_settings().database_url
        engine = create_engine(url)
        writer = create_engine(url, writer=True) if is_sqlite(url) else engine
        try:
            items, problems = await validate(create_session_factory(engine), file)
            if problems:
                for problem in problems[:200]:
                    messages.print(f"[red]{problem}[/red]")
                if len(problems) > 200:
                    messages.print(f"... and {len(problems) - 200} more")
                messages.print(f"{len(problems)} problem(s) in {file.name}: nothing imported")
                raise typer.Exit(1)
            with Progress(console=messages) as progress:
                task = progress.add_task("importing touchpoints", total=len(items))
                created, duplicates = await run_import(
                    create_session_factory(writer),
                    items,
                    batch_size,
                    lambda n: progress.advance(task, n),
                )
            messages.print(f"imported {file.name}: {created} created, {duplicates} duplicates")
            sys.stdout.write(json.dumps({"created": created, "duplicates": duplicates}) + "\n")
        finally:
            await engine.dispose()
            if writer is not engine:
                await writer.dispose()

    _run(main())
