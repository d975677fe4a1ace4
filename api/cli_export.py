"""`cx360 export`: a bulk export job run by the command line, its file copied to --out.

It is the job `bulkExport` starts (api/bulk_worker.py), run in this process: the same
page documents through the same schema under a key's role (masking, denials, read
audit), the same JSONL lines. Like the other commands it works on the database itself
(CX360_DATABASE_URL): without `--key` it runs as ADMIN under the key `cx360-cli`
(created on first use, its token never shown); with `--key NAME_OR_ID` under that key's
role, as that key's bulk operation. The job is created RUNNING under this process's
lease, so no server takes it while the command runs; if the command dies, a server's
runner resumes it when the lease runs out (the file is then that operation's `url`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.cli_errors import CommandError

if TYPE_CHECKING:  # the job's modules load when an export runs, not with every command
    from starlette.datastructures import State

    from api.bulk_worker import BulkWorker
    from models import BulkOperation
    from resolvers import keys

LOCAL_KEY = "cx360-cli"
PLAIN_PROGRESS_SECONDS = 5.0


def _writable_part(out: Path) -> Path:
    """An empty file beside `out` to copy the export into (then renamed over `out`), so
    `out` is whole or untouched; a CommandError when it cannot be written there."""
    if out.is_dir():
        raise CommandError(f"{out}: is a directory: give a file name, e.g. {out}/export.jsonl")
    if not out.parent.is_dir():
        raise CommandError(f"{out}: the directory {out.parent} does not exist: create it first")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise CommandError(
            f"{out}: cannot write in {out.parent} ({reason}): choose another --out"
        ) from None
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # as a file the user created (mkstemp's is 0600)
    return Path(name)


@asynccontextmanager
async def _server_state() -> AsyncIterator[tuple[State, BulkWorker]]:
    """The state a server process runs jobs with (engines, change feed, schema), without
    serving anything or running the scheduler, webhooks or the job runner's polls."""
    from starlette.applications import Starlette

    from api.app import create_app
    from api.settings import get_settings

    settings = get_settings().model_copy(
        update={"scheduler": False, "webhooks": False, "bulk_operations": False}
    )
    asgi: Any = create_app(settings)
    app = asgi if isinstance(asgi, Starlette) else asgi.app  # unwrap the tracing middleware
    assert isinstance(app, Starlette)
    async with app.router.lifespan_context(app):
        yield app.state, app.state.bulk_worker


class Reporter:
    """Lines written so far: a live bar on a terminal, a plain line now and then if not."""

    def __init__(self, console: Console, out: Path) -> None:
        self.console = console
        self.out = out
        self.progress: Progress | None = None
        self.task: Any = None
        self.said = time.monotonic()

    def __enter__(self) -> Reporter:
        if self.console.is_terminal:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn(f"exporting to {self.out.name}"),
                TextColumn("{task.completed:,} lines, {task.fields[size]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("export", total=None, size="0 MB")
        return self

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, operation: BulkOperation) -> None:
        size = f"{operation.file_size / 1e6:.1f} MB"
        if self.progress is not None:
            self.progress.update(self.task, completed=operation.object_count, size=size)
        elif time.monotonic() - self.said >= PLAIN_PROGRESS_SECONDS:
            self.said = time.monotonic()
            self.console.print(f"exported {operation.object_count} lines ({size})")


async def _key(state: State, name_or_id: str | None) -> keys.ActiveKey:
    from models import Role
    from resolvers import keys
    from resolvers.errors import InputError

    try:
        if name_or_id is None:
            return await keys.local_key(state.write_sessions, LOCAL_KEY, Role.ADMIN)
        return await keys.usable_key_named(state.primary_sessions, name_or_id)
    except InputError as problem:
        raise CommandError(f"--key: {problem.message}") from None


async def export_to(
    query_file: Path, query: str, out: Path, key_name: str | None, console: Console
) -> BulkOperation:
    """Runs the export and renames its file over `out`; the finished operation."""
    from api.context import Viewer, build_context, unlimited_budget
    from models import BulkKind, BulkStatus
    from resolvers.bulk import operations
    from resolvers.bulk.files import OPERATIONS, file_of
    from resolvers.writes import UserErrors
    from schema.bulk import dry_run, export_plan

    part = _writable_part(out)
    try:
        async with _server_state() as (state, worker):
            key = await _key(state, key_name)
            viewer = Viewer(key.id, key.name, key.role)
            schema = worker.schema
            try:
                plan = export_plan(schema._schema, query, worker.settings.max_query_cost)
                budget = unlimited_budget()
                await dry_run(schema, build_context(state, viewer, budget), plan)
            except UserErrors as problem:
                raise CommandError(f"{query_file}: {problem.errors[0].message}") from None
            try:
                operation = await operations.create_operation(
                    state.write_sessions, key.id, BulkKind.EXPORT, query, claimed_for=worker.lease
                )
            except operations.AlreadyRunning:
                raise CommandError(
                    f"the key '{key.name}' already has a bulk operation CREATED or RUNNING: "
                    "wait until it finishes, or cancel it (cancelBulkOperation)"
                ) from None
            try:
                with Reporter(console, out) as report:
                    await worker.run(operation, report)
            except BaseException:  # interrupted (Ctrl-C) or the database went away
                with contextlib.suppress(Exception):
                    await operations.cancel_operation(
                        state.write_sessions, operation.id, key.id, worker.config.retention
                    )
                raise
            found = await operations.get_operation(state.primary_sessions, operation.id)
            operation = found or operation  # canceled meanwhile: as it stands now
            if operation.status != BulkStatus.COMPLETED:
                what = operation.error_message or operation.error_code or operation.status.value
                raise CommandError(f"the export {operation.status.value}: {what}; {out} untouched")
            source = file_of(worker.config.root, OPERATIONS, operation.id)
            await asyncio.to_thread(shutil.copyfile, source, part)
        os.replace(part, out)
        return operation
    finally:
        part.unlink(missing_ok=True)


QUERY_FILE = typer.Option(
    "--query",
    exists=True,
    dir_okay=False,
    metavar="FILE",
    help="A .graphql file: one read query, a connection at its top, e.g. "
    "{ customers { edges { node { id email touchpoints { edges { node { id kind } } } } } } }",
)
OUT_FILE = typer.Option(
    "--out", metavar="FILE.jsonl", help="Where to write the lines (replaced once complete)."
)
KEY = typer.Option(
    "--key",
    metavar="NAME_OR_ID",
    help=f"Run under this key's role, as its bulk operation (default: ADMIN, as the key "
    f"'{LOCAL_KEY}', created on first use).",
)


def export(
    query_file: Annotated[Path, QUERY_FILE],
    out: Annotated[Path, OUT_FILE],
    key: Annotated[str | None, KEY] = None,
) -> None:
    """Export every node a query reads to a JSONL file: the bulkExport job, run here.

    One line per node of the top connection; nodes of connections nested in them are
    lines of their own with `__parentId`. Fields as the key's role reads them (masked
    emails for MARKETING, say). Prints a progress bar on a terminal, a line every few
    seconds when piped; on success one JSON object on stdout (lines, bytes, operation).
    """
    import json

    from api.cli import _database_url, messages, read_text
    from schema.node import to_global_id

    query = read_text(query_file)
    _database_url()  # a SQLite file that is not there: said before anything starts
    began = time.monotonic()
    done = asyncio.run(export_to(query_file, query, out, key, messages))
    seconds = time.monotonic() - began
    messages.print(
        f"exported {done.object_count} lines ({done.file_size / 1e6:.1f} MB) to {out} "
        f"in {seconds:.1f}s"
    )
    summary = {
        "lines": done.object_count,
        "bytes": done.file_size,
        "operation": to_global_id("BulkOperation", done.id),
    }
    print(json.dumps(summary))
