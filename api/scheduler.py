"""The task in each server process that applies changes driven by the clock alone.

Each round claims, for every kind of due work (resolvers.scheduler.DueWork), a batch of
the rows whose next look has come, applies it, and repeats while batches come back full;
then it sleeps until the earliest next due moment, at most `scheduler_interval_seconds`.
Claims are leased: rows a process took but never applied (it crashed, or was stopped)
fall due again when the lease runs out, and another process takes them over. To add a
kind, list it in `DUE_WORK` (resolvers/scheduler.py says what a kind provides), or in
`due_work` when it needs settings.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import timedelta

from starlette.datastructures import State

from api.background import cancel
from api.failures import log_failure
from api.settings import Settings
from models.types import utc_now
from resolvers.actions import ACTIONS_DUE
from resolvers.bulk.cleanup import bulk_files_due
from resolvers.bulk.files import bulk_root
from resolvers.follow_ups import FOLLOW_UP_DUE
from resolvers.health_state import HEALTH_DUE
from resolvers.journey_facts import JOURNEY_FACTS_DUE
from resolvers.read_audit import READ_AUDIT_DUE
from resolvers.scheduler import DueWork
from resolvers.sla_live import SLA_DUE

DUE_WORK: tuple[DueWork, ...] = (
    HEALTH_DUE,
    FOLLOW_UP_DUE,
    SLA_DUE,
    ACTIONS_DUE,
    READ_AUDIT_DUE,
    JOURNEY_FACTS_DUE,
)


def due_work(settings: Settings) -> tuple[DueWork, ...]:
    """DUE_WORK, and the kinds that need settings: old bulk files' deletion."""
    retention = timedelta(hours=settings.bulk_file_retention_hours)
    return (*DUE_WORK, *bulk_files_due(bulk_root(settings.bulk_dir), retention))


CLAIM_BATCH = 200
LEASE = timedelta(minutes=2)


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        state: State,
        kinds: Sequence[DueWork] | None = None,
        batch: int = CLAIM_BATCH,
    ) -> None:
        self.settings = settings
        self.state = state
        self.kinds = tuple(kinds) if kinds is not None else due_work(settings)
        self.batch = batch
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(self._run())]

    async def close(self) -> None:
        await cancel(self.tasks)

    async def _run(self) -> None:
        while True:
            wait = self.settings.scheduler_interval_seconds
            try:
                await self.round()
                wait = await self.until_next_due()
            except Exception as error:  # the database away: a warning, no stack
                log_failure(error, "", "scheduler round (retrying)")
            await asyncio.sleep(wait)

    async def round(self) -> dict[str, list[uuid.UUID]]:
        """Applies everything due now; returns what this process applied, by kind."""
        applied: dict[str, list[uuid.UUID]] = {}
        write_sessions = self.state.write_sessions
        for kind in self.kinds:
            done = applied.setdefault(kind.name, [])
            while True:
                claim = await kind.claim(write_sessions, utc_now(), self.batch, LEASE)
                if claim.ids:
                    feed = getattr(self.state, "changes", None)
                    done.extend(await kind.apply(write_sessions, claim, feed))
                if len(claim.ids) < self.batch:
                    break
        return applied

    async def until_next_due(self) -> float:
        longest = self.settings.scheduler_interval_seconds
        moments = [await kind.next_due(self.state.primary_sessions) for kind in self.kinds]
        due = min((m for m in moments if m is not None), default=None)
        if due is None:
            return longest
        with contextlib.suppress(OverflowError):
            return min(max((due - utc_now()).total_seconds(), 0.05), longest)
        return longest
