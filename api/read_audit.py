"""The task in each server process that writes the read audit's buffered entries.

Responses only append to the buffer (resolvers/read_audit.py `ReadAuditLog`); this task
writes it every `read_audit_flush_seconds`, sooner once 5,000 rows wait, and a last time
when the process stops (after the webhook and bulk tasks, which record reads too, and
before the engines close). A failed write keeps the entries for the next round.
"""

import asyncio
import contextlib

from starlette.datastructures import State

from api.background import cancel
from api.failures import log_failure
from api.settings import Settings
from resolvers.read_audit import ReadAuditLog


class ReadAuditWriter:
    def __init__(self, settings: Settings, state: State, log: ReadAuditLog) -> None:
        self.settings = settings
        self.state = state
        self.log = log
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(self._run())]

    async def close(self) -> None:
        """Stops the task, then writes what is still pending."""
        await cancel(self.tasks)
        try:
            await self.log.flush()
        except Exception as error:  # logged; nothing more can be done at shutdown
            log_failure(error, "", "read audit flush at shutdown")

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.log.filled.wait(), self.settings.read_audit_flush_seconds
                )
            try:
                # Shielded: a stop mid-write lets the write finish (close() then waits
                # for it on the buffer's lock) rather than undo a committed batch.
                await asyncio.shield(self.log.flush())
            except Exception as error:  # the database away: a warning, entries kept
                log_failure(error, "", "read audit flush (retrying)")
