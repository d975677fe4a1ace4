"""Changes to touchpoints, tickets and survey responses, announced after their write commits.

Within one process the announcements go through memory. With CX360_REDIS_URL they go
through Redis pub/sub, so a subscriber connected to any worker hears writes made through
any other: each process keeps one Redis subscriber connection that feeds its local
listeners (STACK.md: no broadcaster layer). A rolled-back write announces nothing.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis

log = logging.getLogger("cx360.changes")
CHANNEL = "cx360:changes"


@dataclass(frozen=True)
class Change:
    type_name: str
    id: uuid.UUID


class ChangeFeed:
    """In-process announcements: every listener gets every change."""

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue[Change]] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, changes: Sequence[Change]) -> None:
        self.deliver(changes)

    def deliver(self, changes: Sequence[Change]) -> None:
        for queue in self.listeners:
            for change in changes:
                queue.put_nowait(change)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[Change]]:
        queue: asyncio.Queue[Change] = asyncio.Queue()
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)


class RedisChangeFeed(ChangeFeed):
    """Announcements through Redis pub/sub, shared by every worker and every machine."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.redis = redis.from_url(url)
        self.pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(CHANNEL)
        self.pump = asyncio.create_task(self._pump(pubsub))

    async def _pump(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                changes = [Change(t, uuid.UUID(i)) for t, i in json.loads(message["data"])]
            except (ValueError, TypeError):
                log.warning("ignored a malformed change announcement")
                continue
            self.deliver(changes)

    async def close(self) -> None:
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump
        await self.redis.aclose()

    async def publish(self, changes: Sequence[Change]) -> None:
        await self.redis.publish(CHANNEL, json.dumps([[c.type_name, str(c.id)] for c in changes]))


def change_feed(redis_url: str | None) -> ChangeFeed:
    return RedisChangeFeed(redis_url) if redis_url else ChangeFeed()


async def announce(feed: ChangeFeed | None, changes: Sequence[Change]) -> None:
    """After a commit: a lost announcement must not turn a stored write into an error."""
    if feed is None or not changes:
        return
    try:
        await feed.publish(changes)
    except Exception:
        log.exception("a committed write's changes could not be announced")
