"""Redis, shared by every worker, and what each process does while it cannot reach it.

cx360 uses one Redis (`CX360_REDIS_URL`) for two things, under `CX360_REDIS_PREFIX`:
the channel `<prefix>:changes`, on which writes announce committed changes, and the keys
`<prefix>:cost:<key id>`, the rate-limit budgets (api/ratelimit.py). Neither holds
anything that is not also elsewhere: the changes are in the change log (PostgreSQL).

While Redis is down a process runs degraded rather than failing requests: budgets fall
back to an in-process limiter, writes still succeed, and subscriptions are fed by
reading the change log every DEGRADED_POLL_SECONDS. Each process logs one warning per
outage (not per request), and `cx360_redis_available` says which mode it is in. The
listener reconnects with capped exponential backoff and jitter; once resubscribed it
reads the change log from the last position it delivered, so every open subscription
receives what was written meanwhile, in log order and none twice.

An announcement only wakes the listeners: each process reads the changes themselves from
the log, after the last position it delivered. Out-of-order announcements, lost ones
and (with a shared prefix) foreign ones therefore change nothing in what is delivered.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import EqualJitterBackoff, NoBackoff
from redis.exceptions import RedisError

from api.background import cancel
from api.observability import REDIS_OUTAGES, redis_available
from resolvers.changes import Change, ChangeFeed, changes_after, latest_position
from resolvers.pagination import Sessions

log = logging.getLogger("cx360.redis")

# Reconnecting: first wait about FIRST_RETRY_SECONDS, doubling, at most MAX_RETRY_SECONDS.
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0
# While Redis is down, the commands of requests try it again at most this often.
PROBE_SECONDS = 1.0
# How often the change log is read without an announcement: degraded, and connected (a
# safety net for announcements lost on the way, e.g. another process cut off alone).
DEGRADED_POLL_SECONDS = 1.0
CONNECTED_POLL_SECONDS = 15.0
LOG_PAGE = 500
# Sent on the channel by a process that has just subscribed: the others read the log,
# so what it wrote while cut off reaches their subscribers at once.
NUDGE = b"[]"
REDIS_FAILURES = (RedisError, OSError)


def client(url: str) -> Any:
    """A client that fails fast (one immediate retry, for a pooled connection gone stale):
    cx360 does its own waiting, so a request never waits on Redis retries."""
    return redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=10,
        retry=Retry(NoBackoff(), 1),
    )


def channel(prefix: str) -> str:
    return f"{prefix}:changes"


class RedisLink:
    """Whether this process reaches Redis: one warning per outage, and a gauge."""

    def __init__(self) -> None:
        self.available = True
        self.lost_at = 0.0
        self.next_probe = 0.0
        redis_available().set(1)

    def worth_trying(self) -> bool:
        """Up: always. Down: once per PROBE_SECONDS, so requests don't each wait on it."""
        if self.available:
            return True
        now = time.monotonic()
        if now < self.next_probe:
            return False
        self.next_probe = now + PROBE_SECONDS
        return True

    def lost(self, error: BaseException) -> None:
        self.next_probe = time.monotonic() + PROBE_SECONDS
        if not self.available:
            return
        self.available = False
        self.lost_at = time.monotonic()
        redis_available().set(0)
        REDIS_OUTAGES.inc()
        log.warning(
            "Redis is unreachable; running degraded (rate limits per process, "
            "subscriptions fed from the change log) until it is back: %s: %s",
            type(error).__name__,
            error,
        )

    def reached(self) -> None:
        if self.available:
            return
        self.available = True
        redis_available().set(1)
        log.info("Redis is back after %.1f s", time.monotonic() - self.lost_at)


class RedisChangeFeed(ChangeFeed):
    """Announcements through Redis pub/sub; deliveries from the change log, in its order."""

    def __init__(self, url: str, prefix: str, link: RedisLink) -> None:
        super().__init__()
        self.redis = client(url)
        self.channel = channel(prefix)
        self.link = link
        self.sessions: Sessions | None = None
        self.position: int | None = None  # the last change delivered in this process
        self.subscribed = False
        self.wake = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self, sessions: Sessions) -> None:
        self.sessions = sessions
        try:
            self.position = await latest_position(sessions)
        except Exception:  # the database is not up yet: start from where it is when it is
            log.warning("could not read the change log's position at start", exc_info=True)
        self.tasks = [asyncio.create_task(self._subscribe()), asyncio.create_task(self._feed())]

    async def close(self) -> None:
        await cancel(self.tasks)
        await self.redis.aclose()

    async def publish(self, changes: Sequence[Change]) -> None:
        """Wakes this process's listeners at once, and the other processes through Redis
        (while it is down they read the log on their own)."""
        self.wake.set()
        if not self.link.worth_trying():
            return
        try:  # the changes themselves, for processes of cx360 versions that read them
            await self.redis.publish(self.channel, json.dumps([c.to_json() for c in changes]))
        except REDIS_FAILURES as error:
            self.link.lost(error)
        else:
            self.link.reached()

    async def _subscribe(self) -> None:
        backoff = EqualJitterBackoff(cap=MAX_RETRY_SECONDS, base=FIRST_RETRY_SECONDS)
        failures = 0
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed = True
                failures = 0
                self.link.reached()
                self.wake.set()  # what was written while this process was not listening
                await self.redis.publish(self.channel, NUDGE)
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                    if message is not None:
                        self.wake.set()
            except REDIS_FAILURES as error:
                self.link.lost(error)
            except Exception:  # anything else: the listener must not die (polling would
                # carry on, slowly and silently); say so, and subscribe again
                log.warning("the change listener failed; subscribing again", exc_info=True)
            finally:
                self.subscribed = False
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(backoff.compute(failures))
            failures += 1

    def degraded(self) -> bool:
        """Not listening on the channel, or Redis found unreachable by any command."""
        return not self.subscribed or not self.link.available

    async def _feed(self) -> None:
        """Reads the log when woken, every DEGRADED_POLL_SECONDS while degraded (whether or
        not this process writes), and every CONNECTED_POLL_SECONDS otherwise. The state is
        looked at each DEGRADED_POLL_SECONDS, so an outage that begins during a long
        connected wait is noticed within a second, not at the end of that wait."""
        last_read = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), DEGRADED_POLL_SECONDS)
            due = time.monotonic() - last_read >= CONNECTED_POLL_SECONDS
            if not (self.wake.is_set() or self.degraded() or due):
                continue
            self.wake.clear()
            last_read = time.monotonic()
            try:
                await self.catch_up()
            except Exception:
                log.warning("could not read the change log; trying again", exc_info=True)
                await asyncio.sleep(DEGRADED_POLL_SECONDS)

    async def catch_up(self) -> None:
        """Delivers the logged changes after the last one delivered, oldest first."""
        assert self.sessions is not None
        if self.position is None:
            self.position = await latest_position(self.sessions)
            return
        while True:
            found = await changes_after(self.sessions, self.position, LOG_PAGE)
            if found:
                self.position = found[-1].position
                self.deliver(found)
            if len(found) < LOG_PAGE:
                return


def change_feed(redis_url: str | None, prefix: str, link: RedisLink) -> ChangeFeed:
    return RedisChangeFeed(redis_url, prefix, link) if redis_url else ChangeFeed()
