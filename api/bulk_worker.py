"""The task in each server process that runs bulk export and import jobs.

It claims one job at a time (resolvers/bulk/operations.py: `FOR UPDATE SKIP LOCKED` on
PostgreSQL, a lease that the job renews with every commit of its progress) and runs it
under its key's role through the schema, as that key's own requests would run:

- an export pages the top connection with keyset cursors, writes one JSONL line per node
  (nested nodes with `__parentId`, nested pages fetched per parent through `node(id:)`),
  and after each page commits the cursor, the line count and the file's size;
- an import reads the uploaded file a chunk of lines at a time, runs the mutation once
  per line with the line as its variables, appends each line's errors to the report,
  and after each chunk commits the file offset, the line count and the report's size.

A process killed mid-job leaves a RUNNING job whose lease runs out: the next claim (this
process restarted, or another) cuts the file back to its committed size and resumes
from the committed cursor or line. An import re-runs at most the last uncommitted chunk,
so mutations that are idempotent (recordTouchpoints) store every line exactly once.
A job that cannot go on (its key revoked, a field its role may not read) is FAILED with
an `errorCode`; it never silently stops.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from starlette.datastructures import State

from api.background import cancel
from api.context import Viewer, build_context, unlimited_budget
from api.db import is_sqlite
from api.failures import is_unavailable, log_failure
from api.fast_writes import MAY_WRITE, Known, recognise
from api.settings import Settings
from models import BulkKind, BulkOperation, BulkStatus
from models.types import utc_now
from resolvers import touchpoint_writes
from resolvers.bulk import operations
from resolvers.bulk.files import OPERATIONS, UPLOADS, BulkConfig, JsonlAppender, file_of, read_lines
from resolvers.keys import active_key_by_id
from resolvers.writes import (
    Actor,
    UserError,
    UserErrors,
    Write,
    audit_context,
    run,
    transaction_guard,
)
from schema import bulk_documents
from schema.bulk import export_plan
from schema.limits import query_cost
from schema.node import to_global_id
from schema.touchpoint_mutations import fast_touchpoints, writable_items

log = logging.getLogger("cx360.bulk")
IMPORT_CHUNK = 50


# A chunk of an import's lines, the offset after them, and each line's batch as the fast
# check took it (None: the line runs through the schema).
Prepared = tuple[list[bytes], int, list[touchpoint_writes.LineBatch | None]]

# Told the job's row after each progress commit (the `cx360 export` progress bar).
Progress = Callable[[BulkOperation], None]


class JobFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message[:500]


class Lost(Exception):
    """The job was canceled or taken over: stop without writing anything more."""


def _error_code(error: GraphQLError) -> str:
    return str((error.extensions or {}).get("code", "INVALID"))


def _error_path(error: GraphQLError) -> list[str] | None:
    """The variable an error names (its `argument`), else where in the result it arose."""
    argument = (error.extensions or {}).get("argument")
    if argument is not None:
        return [str(argument)]
    return [str(part) for part in error.path] if error.path else None


class Job:
    """One claimed job: its lease, renewed with each progress commit and in between."""

    def __init__(
        self,
        operation: BulkOperation,
        lease: timedelta,
        write_sessions: Any,
        retention: timedelta,
        progress: Progress | None = None,
    ) -> None:
        self.operation = operation
        self.lease = lease
        self.retention = retention
        self.write_sessions = write_sessions
        self.progress = progress
        self.lock = asyncio.Lock()

    async def commit(self, finish: BulkStatus | None = None, **progress: Any) -> None:
        async with self.lock:
            renewed = await operations.renew(
                self.write_sessions,
                self.operation,
                self.lease,
                self.retention,
                finish,
                **progress,
            )
        if not renewed:
            raise Lost
        if self.progress is not None and progress:
            self.progress(self.operation)

    async def heartbeat(self) -> None:
        """Renews the lease until the job ends; stops quietly once it was canceled or
        taken over (the job's own next commit or write then stops it)."""
        with contextlib.suppress(Lost):
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                await self.commit()


class Hold:
    """An import's hold on its job, run by each of its write transactions just before
    it commits (resolvers/writes.transaction_guard): the job row's `object_count` becomes
    `through`, the lines done once that write commits, and its `error_count` `failed`,
    the lines among them with errors, if the job is still RUNNING; otherwise the write
    rolls back. So a cancel either waits for a write in progress and counts it, or the
    write sees the cancel and stores nothing."""

    def __init__(self, operation_id: Any) -> None:
        self.operation_id = operation_id
        self.through = 0
        self.failed = 0
        self.lost = False

    async def __call__(self, session: Any) -> None:
        if not await operations.hold(session, self.operation_id, self.through, self.failed):
            self.lost = True
            # A user error rolls the write back without an error logged, inside the
            # schema (a mutation's payload) as outside; the job then stops on `lost`.
            raise UserErrors([UserError(None, "The bulk operation was canceled.", "CANCELED")])


class BulkWorker:
    def __init__(
        self, settings: Settings, schema: strawberry.Schema, state: State, config: BulkConfig
    ) -> None:
        self.settings = settings
        self.schema = schema
        self.state = state
        self.config = config
        self.lease = timedelta(seconds=settings.bulk_lease_seconds)
        self.budget = unlimited_budget()
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(self._run())]

    async def close(self) -> None:
        await cancel(self.tasks)

    async def _run(self) -> None:
        poll = min(2.0, self.lease.total_seconds())
        while True:
            try:
                while await self.run_one():
                    pass
            except Exception as error:  # the database away: a warning, no stack
                log_failure(error, "", "bulk operations round (retrying)")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.config.wake.wait(), poll)
            self.config.wake.clear()

    async def run_one(self) -> bool:
        """Claims and runs one job; False when none is waiting."""
        write_sessions = self.state.write_sessions
        operation = await operations.claim_next(write_sessions, utc_now(), self.lease)
        if operation is None:
            return False
        await self.run(operation)
        return True

    async def run(self, operation: BulkOperation, progress: Progress | None = None) -> None:
        """Runs a job this process claimed to its end: COMPLETED, FAILED, or stopped
        because it was canceled or taken over (then `operation` is as last committed).

        Raises only when the database is unavailable: the lease runs out and a later
        claim resumes the job."""
        write_sessions = self.state.write_sessions
        job = Job(operation, self.lease, write_sessions, self.config.retention, progress)
        heartbeat = asyncio.create_task(job.heartbeat())
        try:
            await self._run_job(job)
        except Lost:
            pass
        except JobFailed as failure:
            with contextlib.suppress(Lost):
                await job.commit(
                    BulkStatus.FAILED, error_code=failure.code, error_message=failure.message
                )
        except Exception as error:
            if is_unavailable(error):
                raise  # the lease runs out; a later claim resumes the job
            log_failure(error, "", f"bulk operation {operation.id}")
            with contextlib.suppress(Lost):
                await job.commit(BulkStatus.FAILED, error_code="INTERNAL_SERVER_ERROR")
        finally:
            await cancel([heartbeat])

    async def _run_job(self, job: Job) -> None:
        operation = job.operation
        key = await active_key_by_id(self.state.primary_sessions, operation.key_id)
        if key is None:
            raise JobFailed("KEY_REVOKED", "The key that started it was revoked or expired.")
        viewer = Viewer(key.id, key.name, key.role)
        if operation.kind == BulkKind.EXPORT:
            await self._export(job, viewer)
        else:
            await self._import(job, viewer)

    async def _execute(
        self, viewer: Viewer, document: str, variables: dict[str, Any]
    ) -> tuple[Any, list[GraphQLError]]:
        context = build_context(self.state, viewer, self.budget)
        result = await self.schema.execute(
            document, variable_values=variables, context_value=context
        )
        # Compiled answers are orjson fragments: plain JSON values from here on.
        data = orjson.loads(orjson.dumps(result.data)) if result.data is not None else None
        return data, list(result.errors or [])

    # ---------------------------------------------------------------- exports

    async def _export(self, job: Job, viewer: Viewer) -> None:
        operation = job.operation
        try:
            plan = export_plan(
                self.schema._schema, operation.document, self.settings.max_query_cost
            )
        except UserErrors as problem:
            raise JobFailed("INVALID", problem.errors[0].message) from None

        async def page(document: str, variables: dict[str, Any]) -> Any:
            data, errors = await self._execute(viewer, document, variables)
            if errors:
                raise JobFailed(_error_code(errors[0]), errors[0].message)
            return data

        path = file_of(self.config.root, OPERATIONS, operation.id)
        out = JsonlAppender(path, operation.file_size)
        try:
            cursor, count = operation.cursor, operation.object_count
            while True:
                data = await page(plan.document, {"first": plan.page_size, "after": cursor})
                found = data[plan.top.key]
                for edge in found["edges"]:
                    count += await _emit(edge["node"], plan.top, None, out, page)
                info = found["pageInfo"]
                cursor = info["endCursor"] or cursor
                more = bool(info["hasNextPage"])
                size = await asyncio.to_thread(out.sync)
                await job.commit(
                    None if more else BulkStatus.COMPLETED,
                    cursor=cursor,
                    object_count=count,
                    file_size=size,
                )
                if not more:
                    return
        finally:
            out.close()

    # ---------------------------------------------------------------- imports

    async def _import(self, job: Job, viewer: Viewer) -> None:
        operation = job.operation
        try:
            name, document = bulk_documents.import_document(self.schema._schema, operation.document)
        except UserErrors as problem:
            raise JobFailed("INVALID", problem.errors[0].message) from None
        known = None
        if not is_sqlite(self.settings.database_url) and MAY_WRITE.allows(viewer.role):
            known = recognise(self.schema, self.settings, operation.document)
        assert operation.upload_id is not None
        source = file_of(self.config.root, UPLOADS, operation.upload_id)
        if not source.exists():
            raise JobFailed("UPLOAD_MISSING", "The uploaded file is gone: upload it again.")
        report = JsonlAppender(
            file_of(self.config.root, OPERATIONS, operation.id), operation.file_size
        )
        ahead: asyncio.Future[Prepared] | None = None
        hold = Hold(operation.id)
        guarded = transaction_guard.set(hold)
        audited = audit_context.set({"bulkOperation": to_global_id("BulkOperation", operation.id)})
        try:
            offset, line = int(operation.cursor or 0), operation.lines_done
            failed = operation.error_count
            chunk = IMPORT_CHUNK if known is None else self.settings.bulk_copy_lines

            costs: dict[int, int] = {}  # the document's cost by batch length

            def prepare(start: int) -> Prepared:
                lines, end = read_lines(source, start, chunk)
                if known is None:
                    return lines, end, []
                checked = [self._batch(known, t, costs) if t.strip() else None for t in lines]
                return lines, end, checked

            # The next chunk is read and checked in a thread while this one is stored: the
            # checks are pure, so doing them early changes nothing the lines' order decides.
            ahead = asyncio.ensure_future(asyncio.to_thread(prepare, offset))
            while True:
                lines, offset, checked = await ahead
                done = len(lines) < chunk
                if not done:
                    ahead = asyncio.ensure_future(asyncio.to_thread(prepare, offset))
                if known is None:
                    found: list[list[dict[str, Any]]] = []
                    refused = failed  # lines with errors so far
                    for number, text in enumerate(lines, start=line + 1):
                        errors = await self._held_line(
                            hold, number, refused, viewer, name, document, text
                        )
                        found.append(errors)
                        refused += 1 if errors else 0
                else:
                    found = await self._copy_lines(
                        viewer, name, document, lines, checked, hold, line, failed
                    )
                for errors in found:
                    line += 1
                    for error in errors:
                        report.write({"line": line, **error})
                    failed += 1 if errors else 0
                size = await asyncio.to_thread(report.sync)
                await job.commit(
                    BulkStatus.COMPLETED if done else None,
                    cursor=str(offset),
                    lines_done=line,
                    object_count=line,
                    error_count=failed,
                    file_size=size,
                )
                if done:
                    return
        finally:
            transaction_guard.reset(guarded)
            audit_context.reset(audited)
            if ahead is not None and not ahead.done():
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead
            report.close()

    def _batch(
        self, known: Known, text: bytes, costs: dict[int, int]
    ) -> touchpoint_writes.LineBatch | None:
        """The line's batch as the mutation would check it, or None when the full pipeline
        must run the line (no JSON object, other variables, values GraphQL may refuse)."""
        try:
            variables = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(variables, dict) or set(variables) != {known.variable}:
            return None
        value = variables[known.variable]
        cost = self._cost(known, value, costs)
        touchpoints = fast_touchpoints(value)
        if touchpoints is None or cost > self.settings.max_query_cost:
            return None
        return writable_items(touchpoints)

    def _cost(self, known: Known, value: object, costs: dict[int, int]) -> int:
        """The request's cost (schema/limits.py). For a recognised document it depends on
        the batch's length alone: computed once per length, kept in `costs`."""
        size = len(value) if isinstance(value, list) else None
        cost = costs.get(size) if size is not None else None
        if cost is None:
            variables = {known.variable: value}
            cost = query_cost(self.schema._schema, known.document, known.operation_name, variables)
            if size is not None:
                costs[size] = cost
        return cost

    async def _copy_lines(
        self,
        viewer: Viewer,
        name: str,
        document: str,
        lines: list[bytes],
        checked: list[touchpoint_writes.LineBatch | None],
        hold: Hold,
        done: int,
        failed: int,
    ) -> list[list[dict[str, Any]]]:
        """Each line's errors, its events stored through COPY (resolvers/touchpoint_writes.py
        `record_lines`), a transaction per run of up to COPY_EVENTS events; a line the
        fast check cannot take runs through the schema, in its place in the order.
        `done`, `failed`: the job's lines before these, and those of them with errors
        (what `hold` counts from)."""
        found: list[list[dict[str, Any]]] = [[] for _ in lines]
        pending: list[tuple[int, touchpoint_writes.LineBatch]] = []
        writer = Actor(key_id=viewer.key_id, key_name=viewer.key_name, role=viewer.role)

        refused = failed  # lines with errors so far

        async def flush() -> None:
            nonlocal refused
            batches = [batch for _, batch in pending]
            hold.through = done + pending[-1][0] + 1

            async def record(write: Write) -> touchpoint_writes.LinesResult:
                result = await touchpoint_writes.record_lines(write, batches)
                hold.failed = refused + sum(1 for errors in result.errors if errors)
                return result

            try:
                stored = await run(self.state.write_sessions, writer, self.state.changes, record)
                outcome = stored.errors
            except UserErrors as failure:  # a conflict that outlasted the retries
                outcome = [failure.errors] * len(batches)
            if hold.lost:  # the write saw the cancel: nothing of it was stored
                raise Lost
            refused += sum(1 for problems in outcome if problems)
            for (index, _), problems in zip(pending, outcome, strict=True):
                found[index] = [
                    {
                        "path": list(p.field) if p.field is not None else None,
                        "message": p.message,
                        "code": p.code,
                    }
                    for p in problems
                ]
            pending.clear()

        events = 0
        for index, (text, batch) in enumerate(zip(lines, checked, strict=True)):
            if batch is None:
                if pending:
                    await flush()
                    events = 0
                found[index] = await self._held_line(
                    hold, done + index + 1, refused, viewer, name, document, text
                )
                refused += 1 if found[index] else 0
                continue
            pending.append((index, batch))
            events += len(batch.items)
            if events >= touchpoint_writes.COPY_EVENTS:
                await flush()
                events = 0
        if pending:
            await flush()
        return found

    async def _held_line(
        self,
        hold: Hold,
        number: int,
        failed: int,
        viewer: Viewer,
        name: str,
        document: str,
        text: bytes,
    ) -> list[dict[str, Any]]:
        """`_import_line` of the job's line `number` under its hold: the line's write
        counts the job's lines through it, `failed` of them with errors; raises Lost
        when that write saw the job canceled (and so stored nothing)."""
        hold.through, hold.failed = number, failed
        errors = await self._import_line(viewer, name, document, text)
        if hold.lost:
            raise Lost
        return errors

    async def _import_line(
        self, viewer: Viewer, name: str, document: str, text: bytes
    ) -> list[dict[str, Any]]:
        """The line's errors (path, message, code); none when it was applied."""
        if not text.strip():
            return []
        try:
            variables = orjson.loads(text)
        except orjson.JSONDecodeError:
            variables = None
        if not isinstance(variables, dict):
            return [
                {
                    "path": None,
                    "message": "The line is not a JSON object of variables.",
                    "code": "INVALID",
                }
            ]
        data, errors = await self._execute(viewer, document, variables)
        found = [
            {"path": _error_path(error), "message": error.message, "code": _error_code(error)}
            for error in errors
        ]
        payload = (data or {}).get(name) or {}
        for problem in payload.get(bulk_documents.USER_ERRORS, None) or []:
            found.append(
                {
                    "path": problem.get("field"),
                    "message": problem.get("message"),
                    "code": problem.get("code"),
                }
            )
        return found


async def _emit(
    node: dict[str, Any],
    plan: bulk_documents.ConnectionPlan,
    parent: str | None,
    out: JsonlAppender,
    page: Callable[[str, dict[str, Any]], Awaitable[Any]],
) -> int:
    """Writes the node's line, then its nested nodes' lines; returns how many lines."""
    nested = {child.key: node.pop(child.key, None) for child in plan.children}
    if parent is not None:
        node["__parentId"] = parent
    out.write(node)
    written = 1
    for child in plan.children:
        found = nested[child.key]
        while found is not None:
            for edge in found["edges"]:
                written += await _emit(edge["node"], child, node["id"], out, page)
            info = found["pageInfo"]
            if not info["hasNextPage"] or child.follow_up is None:
                break
            data = await page(child.follow_up, {"id": node["id"], "after": info["endCursor"]})
            found = ((data or {}).get("node") or {}).get(child.key)
    return written
