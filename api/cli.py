"""`cx360`: serve, migrate, seed, manage API keys, import and export.

Results a script may capture (a new key) go alone to stdout; messages go to stderr.
"""

import asyncio
import errno
import json
import logging
import socket
import sys
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Column, Table
from sqlalchemy.engine import make_url

# typer 0.29 carries its own click (pinned in requirements.lock): its errors, not click's.
from typer._click import exceptions as click_errors

from api.cli_errors import CommandError, explain, without_password
from api.cli_export import export
from api.db import database
from api.settings import Settings, get_settings
from models import Role
from resolvers import keys as key_store

messages = Console(stderr=True, soft_wrap=True)  # one message, one line, piped or not
T = TypeVar("T")
DEFAULTS = Settings.model_fields


# Exit codes: 1 when the command could not do its work (bad data in a file, a key that is
# not there, a database that cannot be reached); 2 when the command line itself is wrong
# (an unknown option, a missing argument, a value of the wrong kind), as click does.
USAGE = 2


def _usage_name(argument: Any) -> str:
    """`NAME` (required) or `[NAME]`, never typer's `{NAME}`, in usage lines."""
    name = str(argument.display_name_raw)
    name = name if argument.required else f"[{name}]"
    return name + ("..." if argument.nargs != 1 and not name.endswith("...") else "")


if hasattr(typer.core.TyperArgument, "_usage_display_name"):
    typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign,assignment]


class Command(typer.Typer):
    """The `cx360` command: every failure reads as one line on stderr, unless --debug."""

    debug = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        threading.excepthook = _quiet_closed_loop
        try:
            code = super().__call__(*args, **kwargs, standalone_mode=False)
            sys.exit(code if isinstance(code, int) else 0)
        except click_errors.NoArgsIsHelpError as error:
            error.show()  # the help text itself
            sys.exit(error.exit_code)
        except click_errors.UsageError as error:
            # One line, like every other mistake; click's own is usage + hint + error.
            where = error.ctx.command_path if error.ctx else "cx360"
            fail(f"{error.format_message()} (see `{where} --help`)")
            sys.exit(USAGE)
        except click_errors.ClickException as error:
            fail(error.format_message())
            sys.exit(error.exit_code)
        except typer.Abort:
            fail("aborted")
            sys.exit(1)
        except Exception as error:
            if Command.debug:
                raise
            try:
                url: str | None = get_settings().database_url
            except Exception:  # the settings themselves are what failed
                url = None
            explained = explain(error, url)
            fail(explained.message)
            sys.exit(explained.exit_code)


def _quiet_closed_loop(hook: threading.ExceptHookArgs) -> None:
    """aiosqlite's thread, after a failed connect, answers a loop already closed: not news."""
    closed = isinstance(hook.exc_value, RuntimeError) and "loop is closed" in str(hook.exc_value)
    if not closed or Command.debug:
        threading.__excepthook__(hook)


def fail(message: str) -> None:
    """One line on stderr, however wide the terminal."""
    messages.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)


def group(help: str) -> typer.Typer:
    # Plain help: typer's rich help shows flags as `--if-empty <bool>`, as if they took a value.
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


app = Command(
    help="cx360: the customer-360 GraphQL API.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,  # locals hold settings and keys
)
keys_app = group("Create, list and revoke API keys.")
app.add_typer(keys_app, name="keys")
docs_app = group("Print documents generated from the code.")
import_app = group("Import records from files.")
app.add_typer(import_app, name="import")
app.add_typer(docs_app, name="docs")


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On failure, show the full traceback.")
    ] = False,
) -> None:
    """cx360: the customer-360 GraphQL API."""
    Command.debug = debug


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def _database_url() -> str:
    """CX360_DATABASE_URL for a command that needs an existing database.

    A SQLite file that does not exist is not created (SQLite would, empty, wherever the
    command runs): only `migrate` and `seed` create one.
    """
    url = get_settings().database_url
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            where = Path(path).resolve()
            if not where.exists():
                raise CommandError(
                    f"no database at {where}: run `cx360 migrate` there, or set CX360_DATABASE_URL"
                )
    return url


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, or a CommandError saying why not and what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        other = 8001 if port != 8001 else 8002
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {port} on {host} is already in use (another cx360 serve?): stop it or "
                f"pick another port: CX360_PORT={other} make run, or cx360 serve --port {other}"
            ) from error
        if error.errno == errno.EACCES:
            raise CommandError(
                f"no permission to listen on port {port}: use a port above 1023, "
                f"e.g. cx360 serve --port {other}"
            ) from error
        raise CommandError(
            f"cannot listen on {host}:{port} ({error.strerror or error}): set CX360_HOST "
            "to an address of this machine (127.0.0.1, or 0.0.0.0 for all) or use --host"
        ) from error
    sock.set_inheritable(True)  # worker processes serve on it
    return sock


def _browsable(host: str, port: int) -> str:
    """The address to open; bound to every address, also one a browser can open here."""
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}/graphql"
    local = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host)  # noqa: S104
    if local is None:
        return address
    return f"{address} (on this machine: http://{local}:{port}/graphql)"


def _startup_line(settings: Settings, workers: int) -> dict[str, Any]:
    """What the server runs with; no passwords, and no GraphiQL mention in production."""
    line: dict[str, Any] = {
        "environment": settings.environment,
        "database": without_password(settings.database_url),
        "redis": without_password(settings.redis_url) if settings.redis_url else None,
        "workers": workers,
    }
    if not settings.production:
        line["graphiql"] = settings.graphiql_enabled
    return line


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(help=f"Bind address; default: CX360_HOST, else {DEFAULTS['host'].default}."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help=f"Port; default: CX360_PORT, else {DEFAULTS['port'].default}."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            help=f"Worker processes; default: CX360_WORKERS, else {DEFAULTS['workers'].default}.",
        ),
    ] = None,
    demo_key: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Once the port is ours, replace the ADMIN key NAME and print the new key "
            "(a demo or first-run key; `make run` uses demo-admin).",
        ),
    ] = None,
) -> None:
    """Serve the API (and GraphiQL, except in production) at http://HOST:PORT/graphql.

    The port is taken first: when it is in use nothing else happens (no key is replaced).
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from api.migrate import schema_problem
    from api.observability import json_log_config

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers

    async def check_schema() -> str | None:
        async with database(_database_url(), pool_size=1) as (engine, _):
            return await schema_problem(engine)

    problem = _run(check_schema())
    if problem:
        raise CommandError(problem)
    sock = _bind(host, port)
    if demo_key:
        create_key(demo_key, Role.ADMIN, None, replace=True)
        messages.print("paste it into the API key field at the top of GraphiQL")
    config = uvicorn.Config(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        log_config=json_log_config(settings.log_level),
        # Access lines carry GET query strings, whose variables may hold personal data;
        # cx360.requests logs one structured line per request instead.
        access_log=False,
        # A WebSocket message may be as large as an HTTP body, no larger (closed with 1009).
        ws_max_size=settings.max_body_bytes,
        # uvicorn kills a worker that does not answer its supervisor's ping in time (5 s by
        # default), which a busy machine can miss while a worker starts: allow 30 s.
        timeout_worker_healthcheck=30,
    )
    logging.getLogger("cx360.serve").info(
        "cx360 starting", extra={"fields": _startup_line(settings, workers)}
    )
    what = "GraphiQL" if settings.graphiql_enabled else "the API"
    messages.print(f"cx360 serving {what} at {_browsable(host, port)}")
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
        if not server.started:
            raise CommandError("the server did not start: see the log lines above")


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration (alembic upgrade head)."""
    from api.migrate import upgrade

    messages.print(upgrade(get_settings().database_url).describe())


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
    from resolvers import seed as demo

    settings = get_settings()
    async with database(settings.database_url) as (engine, _):
        if not await demo.is_empty(engine):
            if if_empty:
                messages.print("database already has customers: not seeding")
                return
            raise CommandError(
                "the database already holds customers: add --if-empty to leave it as it is, "
                "or seed a fresh database (a new CX360_DATABASE_URL, then cx360 migrate)"
            )
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


def _role(value: str | Role) -> Role:
    """A role in any case (`partner`, `PARTNER`); the error lists them as the docs do."""
    try:
        return Role(str(value).strip().upper())
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(Role)}") from None


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'support-desk'.")],
    role: Annotated[
        Role,
        typer.Option(
            parser=lambda value: _role(value),
            metavar="|".join(Role),
            help="What the key may do (any case).",
        ),
    ],
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
        async with database(_database_url()) as (_, sessions):
            return await key_store.create_key(sessions, name, role, expires_at, replace)

    issued = _run(create())
    messages.print(f"created {issued.key.role.value} key '{issued.key.name}' (shown only once):")
    sys.stdout.write(issued.token + "\n")


@keys_app.command("list")
def list_keys(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per key, for scripts.")
    ] = False,
) -> None:
    """List keys with their role and state (never the keys themselves).

    Ids are printed whole, so any of them can be passed to `keys revoke`.
    """

    async def fetch() -> tuple[list[Any], dict[Any, int]]:
        async with database(_database_url()) as (_, sessions):
            return await key_store.list_keys(sessions), await key_store.trusted_counts(sessions)

    now = datetime.now(UTC)
    found, documents = _run(fetch())
    rows = [
        {
            "id": str(key.id),
            "name": key.name,
            "role": key.role.value,
            "prefix": key.key_prefix,
            "created": key.created_at.isoformat(),
            "expires": key.expires_at.isoformat() if key.expires_at else None,
            "state": "revoked"
            if key.revoked_at
            else ("expired" if key.expires_at and key.expires_at <= now else "active"),
            "trustedOnly": key.trusted_documents_only,
            "trustedDocuments": documents.get(key.id, 0),
        }
        for key in found
    ]
    if as_json:
        sys.stdout.write("".join(json.dumps(row) + "\n" for row in rows))
        return
    columns = ("id", "name", "role", "prefix", "created", "expires", "state", "trusted")

    def cells(row: dict[str, Any]) -> tuple[str, ...]:
        count = row["trustedDocuments"]
        trusted = f"only {count}" if row["trustedOnly"] else (str(count) if count else "-")
        return (
            row["id"],
            row["name"],
            row["role"],
            row["prefix"] + "…",
            row["created"][:16].replace("T", " "),
            (row["expires"] or "never")[:10],
            row["state"],
            trusted,
        )

    console = Console()
    if not console.is_terminal:  # piped: tab-separated lines, whole values, no box
        lines = [columns, *(cells(row) for row in rows)]
        sys.stdout.write("".join("\t".join(line) + "\n" for line in lines))
        return
    table = Table(Column("id", no_wrap=True, min_width=36, overflow="fold"), *columns[1:])
    for row in rows:
        table.add_row(*cells(row))
    console.print(table)


@keys_app.command("revoke")
def revoke_key(
    name_or_id: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_ID", help="The key's name, id or prefix as `keys list` shows it."
        ),
    ],
) -> None:
    """Revoke a key: its next request is refused."""

    async def revoke() -> int:
        async with database(_database_url()) as (_, sessions):
            return await key_store.revoke_key(sessions, name_or_id)

    messages.print(f"revoked {_run(revoke())} key(s)")


@docs_app.command("security")
def security_doc() -> None:
    """The role matrix and personal-data rules (docs/security.md)."""
    from api.docs import security_markdown

    sys.stdout.write(security_markdown())


DOCUMENT_FILES = typer.Argument(
    exists=True, dir_okay=False, metavar="FILE...", help="GraphQL documents (.graphql)."
)


def read_text(path: Path) -> str:
    """A file's UTF-8 text, or a CommandError saying it is not UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise not_utf8(path, error) from error


def not_utf8(path: Path, error: UnicodeDecodeError) -> CommandError:
    return CommandError(
        f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at position "
        f"{error.start}): save it as UTF-8"
    )


def _check_documents(documents: dict[Path, str]) -> None:
    """Each document parses and validates against the served schema, or a CommandError."""
    from graphql import GraphQLError, parse, validate

    from schema.schema import build_schema

    served = build_schema(get_settings())._schema
    for path, text in documents.items():
        try:
            errors = validate(served, parse(text))
        except GraphQLError as error:
            errors = [error]
        if errors:
            first = errors[0]
            where = f" (line {first.locations[0].line})" if first.locations else ""
            raise CommandError(
                f"{path}: not a valid document for this API: {first.message}{where}; "
                "nothing was registered"
            )


@keys_app.command("trust")
def trust_documents(
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="The key's name or id.")],
    files: Annotated[list[Path], DOCUMENT_FILES],
    also_others: Annotated[
        bool, typer.Option("--also-others", help="Register without restricting the key to them.")
    ] = False,
) -> None:
    """Register documents for a key (persisted queries) and restrict the key to them.

    Each document must be valid against this API's schema. Prints each document's
    sha256Hash, which clients send as `extensions.persistedQuery.sha256Hash`.
    Undo with `keys untrust`.
    """
    texts = {path: read_text(path) for path in files}
    _check_documents(texts)
    documents = {path.name: text for path, text in texts.items()}

    async def trust() -> list[str]:
        async with database(_database_url()) as (_, sessions):
            return await key_store.trust_documents(
                sessions, name_or_id, documents, only=not also_others
            )

    for path, sha256 in zip(files, _run(trust()), strict=True):
        sys.stdout.write(f"{sha256}  {path.name}\n")


@keys_app.command("untrust")
def untrust_documents(
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="The key's name or id.")],
    files: Annotated[list[Path] | None, DOCUMENT_FILES] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Unregister every document of the key.")
    ] = False,
) -> None:
    """Unregister documents from a key; with none left, it may run any query again."""
    if bool(files) == every:
        raise typer.BadParameter("give the documents to unregister, or --all (not both)")
    texts = None if every else [read_text(path) for path in files or ()]

    async def untrust() -> key_store.Untrusted:
        async with database(_database_url()) as (_, sessions):
            return await key_store.untrust_documents(sessions, name_or_id, texts)

    done = _run(untrust())
    state = (
        f"{done.remaining} remain and the key runs only those"
        if done.restricted
        else f"{done.remaining} remain; the key may run any query"
    )
    messages.print(f"unregistered {done.removed} document(s): {state}")


@docs_app.command("configuration")
def configuration_doc() -> None:
    """Every CX360_ setting with its default and meaning (docs/configuration.md)."""
    from api.docs import configuration_markdown

    sys.stdout.write(configuration_markdown())


def _import_help() -> str:
    from api.import_columns import COLUMNS, CUSTOMER_COLUMNS

    columns = "\n".join(f"  {name}: {meaning}" for name, meaning in COLUMNS.items())
    return (
        "Validate every line, then import all (idempotently) or, if any line is bad, "
        "nothing; every problem is reported as line, field and reason.\n\n"
        "FILE is .jsonl (or .ndjson): one TouchpointInput JSON object per line, "
        'the customer as {"email": ...}, {"id": ...} or {"externalId": {"source": ..., '
        '"id": ...}}, and optional "attributes" (an object). Or .csv: a header row '
        "naming these columns (values as in the JSON):\n\n"
        f"\b\n{columns}\n  ({', '.join(CUSTOMER_COLUMNS)}: the other ways to name "
        "the customer)"
    )


@import_app.command("touchpoints", help=_import_help())
def import_touchpoints(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, metavar="FILE", help=".jsonl, .ndjson or .csv"),
    ],
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Events per transaction.")] = 500,
) -> None:
    from api.db import create_engine, create_session_factory, is_sqlite
    from api.importer import check_format, validate
    from api.importer import import_touchpoints as run_import

    check_format(file)

    async def main() -> None:
        url = _database_url()
        engine = create_engine(url)
        writer = create_engine(url, writer=True) if is_sqlite(url) else engine
        try:
            try:
                items, problems = await validate(create_session_factory(engine), file)
            except UnicodeDecodeError as error:
                raise not_utf8(file, error) from error
            if problems:
                for problem in problems[:200]:
                    messages.print(f"[red]{escape(str(problem))}[/red]", soft_wrap=True)
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
                    copy=not is_sqlite(url),
                )
            messages.print(f"imported {file.name}: {created} created, {duplicates} duplicates")
            sys.stdout.write(json.dumps({"created": created, "duplicates": duplicates}) + "\n")
        finally:
            await engine.dispose()
            if writer is not engine:
                await writer.dispose()

    _run(main())


app.command("export")(export)
