"""Per-request dataloaders: every relation and nested connection is batched through here.

Loaders are created lazily per request (aiodataloader binds to the running loop) and
cached by their arguments, so each distinct argument set of a nested connection costs
one statement for all parents. Each batch opens its own short session.
"""

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Hashable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Customer,
    CustomerExternalId,
    FollowUp,
    NextAction,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    TicketPriority,
    Touchpoint,
)
from resolvers import (
    actions,
    customers,
    follow_ups,
    health,
    invitations,
    metrics,
    sla,
    surveys,
    tickets,
    touchpoints,
)
from resolvers.listing import NestedListing
from resolvers.pagination import ListRequest, Page, Sessions

K = TypeVar("K")
V = TypeVar("V")


DEFAULT_CONNECTIONS_PER_REQUEST = 4
_PERMITS = "cx360.connection_permits"


class _PermittedSession(AsyncSession):
    """A session that holds one of its request's connection permits while it is open
    (`async with sessions() as session`), so one request's concurrent resolvers and
    loaders use at most that many pool connections at once; the others wait their turn."""

    async def __aenter__(self) -> "_PermittedSession":
        permits: asyncio.Semaphore = self.info[_PERMITS]
        await permits.acquire()
        try:
            await super().__aenter__()
        except BaseException:
            permits.release()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await super().__aexit__(*exc)
        finally:
            self.info[_PERMITS].release()


def permitted(sessions: Sessions, permits: asyncio.Semaphore) -> Sessions:
    """`sessions` whose sessions take one of `permits` while open."""
    kw = {name: value for name, value in sessions.kw.items() if name != "info"}
    return async_sessionmaker(class_=_PermittedSession, info={_PERMITS: permits}, **kw)


class RequestEnded(Exception):
    """A batch asked for after its request was answered: nothing reads it any more."""


class Loaders:
    """One request's loaders. `sessions` is the request's read factory, bounded to
    `connections` sessions open at once (also for the resolvers that read through it).

    `end()` once the request is answered: when a field's error ends a request early,
    graphql-core answers at once while sibling fields may still have loads queued
    (graphql-python/graphql-core#269); their batches then fail with RequestEnded
    instead of sending statements nobody reads."""

    def __init__(
        self,
        sessions: Sessions,
        observe: Callable[[str, int], None] | None = None,
        connections: int = DEFAULT_CONNECTIONS_PER_REQUEST,
        permits: asyncio.Semaphore | None = None,
        ended: asyncio.Event | None = None,
    ) -> None:
        self._permits = permits or asyncio.Semaphore(connections)
        self._ended = ended or asyncio.Event()
        self._unpermitted = sessions
        self.sessions = self._sessions = permitted(sessions, self._permits)
        self._observe = observe  # told each batch's size, for metrics
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    def on(self, sessions: Sessions) -> "Loaders":
        """Fresh loaders reading through other sessions (the primary, after a write),
        within the same request's connection permits, ending with it."""
        return Loaders(sessions, self._observe, permits=self._permits, ended=self._ended)

    def renewed(self) -> "Loaders":
        """Fresh loaders on the same sessions and permits, nothing cached: for each
        operation on a WebSocket and each subscription event, which must read what is
        stored now, not what an earlier one loaded."""
        return self.on(self._unpermitted)

    def end(self) -> None:
        """The request is answered: batches not yet sent are not sent."""
        self._ended.set()

    def _loader(
        self, key: Hashable, fetch: Callable[..., Coroutine[Any, Any, list[V]]], *arguments: Any
    ) -> DataLoader[K, V]:
        """The request's loader for `key`, made on first use: its batches call
        `fetch(*arguments, keys)` (every parent object asks: the batch is made once)."""
        loader = self._loaders.get(key)
        if loader is None:
            observe, name, ended = (
                self._observe,
                str(key[0] if isinstance(key, tuple) else key),
                self._ended,
            )
            if arguments:
                fetch = partial(fetch, *arguments)

            async def batch(keys: list[K]) -> list[V]:
                if ended.is_set():
                    raise RequestEnded(name)
                if observe is not None:
                    observe(name, len(keys))
                return await fetch(keys)

            loader = self._loaders[key] = DataLoader(batch, max_batch_size=1000)
        return loader

    def _by_key(
        self, name: str, fetch: Callable[[Sessions, list[K]], Coroutine[Any, Any, list[V]]]
    ) -> DataLoader[K, V]:
        return self._loader(name, fetch, self._sessions)

    # ------------------------------------------------------------------ objects by id
    def customer(self) -> DataLoader[uuid.UUID, Customer | None]:
        return self._by_key("customer", customers.customers_by_ids)

    def customer_id_by_email(self) -> DataLoader[str, uuid.UUID | None]:
        return self._by_key("customer_by_email", customers.customer_ids_by_email)

    def customer_id_by_external_id(self) -> DataLoader[tuple[str, str], uuid.UUID | None]:
        return self._by_key("customer_by_external_id", customers.customer_ids_by_external_id)

    def touchpoint(self) -> DataLoader[uuid.UUID, Touchpoint | None]:
        return self._by_key("touchpoint", touchpoints.touchpoints_by_ids)

    def ticket(self) -> DataLoader[uuid.UUID, Ticket | None]:
        return self._by_key("ticket", tickets.tickets_by_ids)

    def survey(self) -> DataLoader[uuid.UUID, Survey | None]:
        return self._by_key("survey", surveys.surveys_by_ids)

    def survey_response(self) -> DataLoader[uuid.UUID, SurveyResponse | None]:
        return self._by_key("survey_response", surveys.responses_by_ids)

    def follow_up(self) -> DataLoader[uuid.UUID, FollowUp | None]:
        """A ticket's follow-up, by ticket id."""
        return self._by_key("follow_up", follow_ups.follow_ups_by_tickets)

    def next_actions(self) -> DataLoader[uuid.UUID, list[NextAction]]:
        """A customer's shown next-best-actions, in their order."""
        return self._by_key("next_actions", actions.actions_of)

    def action(self) -> DataLoader[uuid.UUID, NextAction | None]:
        """A next-best-action by its start id, while that start holds and is shown."""
        return self._by_key("action", actions.actions_by_start_ids)

    def survey_invitation(self) -> DataLoader[uuid.UUID, SurveyInvitation | None]:
        return self._by_key("survey_invitation", invitations.invitations_by_ids)

    def invitation_response(self) -> DataLoader[uuid.UUID, SurveyResponse | None]:
        """The response given with an invitation, by invitation id."""
        return self._by_key("invitation_response", invitations.responses_by_invitations)

    # ------------------------------------------------------------------ per-customer values
    def external_ids(self) -> DataLoader[uuid.UUID, list[CustomerExternalId]]:
        return self._by_key("external_ids", customers.external_ids_by_customer)

    def merged_from(self) -> DataLoader[uuid.UUID, list[Customer]]:
        return self._by_key("merged_from", customers.merged_into_each)

    def lifetime_value(self) -> DataLoader[uuid.UUID, Decimal]:
        return self._by_key("lifetime_value", customers.lifetime_values)

    def ticket_responses(self) -> DataLoader[uuid.UUID, list[SurveyResponse]]:
        return self._by_key("ticket_responses", surveys.responses_by_ticket)

    # ------------------------------------------------------------------ nested lists
    def pages(
        self, listing: NestedListing[V], parent: str, request: ListRequest
    ) -> DataLoader[uuid.UUID, Page[V]]:
        """Each parent's page of a nested list (`parent`: the listing's parent kind, e.g.
        "customer"), keyed by parent id: one statement per batch of parents."""
        key = (f"{listing.name}_pages", parent, request.query, request.ordering.name, request.page)
        return self._loader(key, listing.pages_of, self._sessions, parent, request)

    def counts(
        self, listing: NestedListing[Any], parent: str, query: Any
    ) -> DataLoader[uuid.UUID, int]:
        """Each parent's count of a nested list's records matching `query`."""
        key = (f"{listing.name}_counts", parent, query)
        return self._loader(key, listing.counts_of, self._sessions, parent, query)

    # ------------------------------------------------------------------ metrics and health
    def metric_group(
        self,
        group: str,
        scope: metrics.Scope,
        buckets: tuple[tuple[datetime, datetime], ...] | None,
    ) -> DataLoader[Any, Any]:
        """Figures of one metric group; keys are customer ids, bucket starts, or TOTAL."""
        fetch = metrics.GROUPS[group]

        async def batch(keys: list[Any]) -> list[Any]:
            if buckets is not None:
                grouping = metrics.Grouping(buckets=buckets)
            elif keys == [metrics.TOTAL]:
                grouping = metrics.Grouping()
            else:
                grouping = metrics.Grouping(customers=tuple(dict.fromkeys(keys)))
            found = dict(
                zip(
                    grouping.group_keys(), await fetch(self._sessions, scope, grouping), strict=True
                )
            )
            return [found[key] for key in keys]

        return self._loader(("metric_group", group, scope, buckets), batch)

    def sla_policies(self) -> DataLoader[int, dict[TicketPriority, sla.Policy]]:
        """Every priority's SLA policy, read once per request (load any key, e.g. 0)."""

        async def batch(keys: list[int]) -> list[dict[TicketPriority, sla.Policy]]:
            found = await sla.all_policies(self._sessions)
            return [found for _ in keys]

        return self._loader("sla_policies", batch)

    def health(self, as_of: datetime) -> DataLoader[uuid.UUID, health.Health]:
        return self._loader(("health", as_of), health.health_of, self._sessions, as_of)
