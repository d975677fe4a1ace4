"""Per-key token buckets of query cost: in memory for one process, in Redis for many.

A key's bucket holds up to `capacity` cost and refills at `per_second`; a query takes
its cost or is refused with the time until it would fit. While Redis is unreachable
each process limits with its own in-memory buckets (degraded mode, api/redis_link.py).
"""

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from api.redis_link import REDIS_FAILURES, RedisLink, client


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    remaining: int
    retry_after: float


class CostBuckets(Protocol):
    capacity: int

    async def take(self, key: str, cost: int) -> Allowance: ...

    async def close(self) -> None: ...


class MemoryBuckets:
    def __init__(self, capacity: int, per_second: float) -> None:
        self.capacity, self.per_second = capacity, per_second
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: int) -> Allowance:
        now = time.monotonic()
        tokens, stamp = self._buckets.get(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - stamp) * self.per_second)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        wait = 0.0 if allowed else (cost - tokens) / self.per_second
        return Allowance(allowed, int(tokens), wait)

    async def close(self) -> None:
        return None


# Atomic on the Redis server, with the server's clock, so every worker shares one bucket.
TAKE = """
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(saved[1]) or capacity
local stamp = tonumber(saved[2]) or now
tokens = math.min(capacity, tokens + (now - stamp) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return {allowed, tostring(tokens)}
"""


class RedisBuckets:
    """Buckets in Redis (`<prefix>:cost:<key>`), in memory while Redis is unreachable."""

    def __init__(
        self, url: str, capacity: int, per_second: float, prefix: str, link: RedisLink
    ) -> None:
        self.capacity, self.per_second = capacity, per_second
        self.prefix, self.link = prefix, link
        self.fallback = MemoryBuckets(capacity, per_second)
        self._redis: Redis = client(url)
        self._take: Any = self._redis.register_script(TAKE)

    async def take(self, key: str, cost: int) -> Allowance:
        if self.link.worth_trying():
            try:
                allowed, tokens = await self._take(
                    keys=[f"{self.prefix}:cost:{key}"], args=[self.capacity, self.per_second, cost]
                )
            except REDIS_FAILURES as error:
                self.link.lost(error)
            else:
                self.link.reached()
                return self._allowance(bool(allowed), float(tokens), cost)
        return await self.fallback.take(key, cost)

    def _allowance(self, allowed: bool, remaining: float, cost: int) -> Allowance:
        wait = 0.0 if allowed else (cost - remaining) / self.per_second
        return Allowance(allowed, math.floor(remaining), wait)

    async def close(self) -> None:
        await self._redis.aclose()


def cost_buckets(
    redis_url: str | None, capacity: int, per_second: float, prefix: str, link: RedisLink
) -> CostBuckets:
    if redis_url:
        return RedisBuckets(redis_url, capacity, per_second, prefix, link)
    return MemoryBuckets(capacity, per_second)
