"""The task that drains the webhook outbox in each server process.

It wakes when a change is announced (in this process, or through Redis from any other)
and at least every `webhook_poll_seconds`; fans logged changes out into deliveries,
sends the due ones with a signature, and records each attempt's outcome. Payloads are
rendered by running a GraphQL query under the endpoint's role, so a webhook carries
exactly what a key of that role would read (masking and denied fields included).
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import orjson
import strawberry
from starlette.datastructures import State

from api.background import cancel
from api.context import Context, Viewer, build_context, unlimited_budget
from api.failures import log_failure
from api.settings import Settings
from models import Role
from models.types import utc_now
from resolvers.changes import encode_position
from resolvers.read_audit import FIELDS as READ_AUDITED
from resolvers.webhooks import outbox, signing
from resolvers.webhooks.outbox import Claimed, Outcome, Rendered
from resolvers.webhooks.url_policy import UrlPolicy, url_problem
from schema.node import from_global_id, to_global_id
from schema.permissions import FORBIDDEN, PERSONAL_DATA_ROLES
from schema.query import MAX_NODES

log = logging.getLogger("cx360.webhooks")
USER_AGENT = "cx360-webhooks/1"
CLAIM_BATCH = 20
LEASE = timedelta(minutes=2)
PRUNE_EVERY_SECONDS = 600.0
CUSTOMER = "customer { id name email phone company segment stage }"
# What each record type's payload holds; docs/webhooks.md shows them.
PAYLOAD_SELECTIONS = {
    "Touchpoint": f"""... on Touchpoint {{ id occurredAt channel stage team kind summary
      value currency sentiment source externalId attributes {CUSTOMER} }}""",
    "Ticket": f"""... on Ticket {{ id subject channel status priority assignee createdAt
      firstResponseAt resolvedAt closedAt contactCount reopenCount {CUSTOMER} }}""",
    "SurveyResponse": f"""... on SurveyResponse {{ id score comment respondedAt
      survey {{ id kind question scaleMin scaleMax }} ticket {{ id }} {CUSTOMER} }}""",
    # Never the token: docs/webhooks.md ("Survey invitations") says why.
    "SurveyInvitation": f"""... on SurveyInvitation {{ id sentAt expiresAt
      survey {{ id kind question scaleMin scaleMax }} ticket {{ id }} {CUSTOMER} }}""",
    "Action": f"""... on Action {{ id kind team priority reason since {CUSTOMER} }}""",
}


def shown_in(role: Role, data: Any) -> dict[str, list[str]]:
    """The personal fields a rendered record shows unmasked, by customer id (what its
    delivery's `payload` shows again): its customer's email and phone, and its own
    comment (a survey response's), where not null, for a role shown personal data. No
    other field of PAYLOAD_SELECTIONS is personal (tests/test_webhooks.py checks)."""
    if role not in PERSONAL_DATA_ROLES or not isinstance(data, dict):
        return {}
    customer = data.get("customer")
    if not isinstance(customer, dict) or not isinstance(customer.get("id"), str):
        return {}
    present = {name for name in ("email", "phone") if customer.get(name) is not None}
    if data.get("comment") is not None:
        present.add("comment")
    if not present:
        return {}
    _, key = from_global_id(customer["id"], "customer.id")
    return {str(key): [name for name in READ_AUDITED if name in present]}


# The renderer's own key id: it is charged in a bucket of its own, never a caller's.
RENDERER_KEY = uuid.UUID(int=1)


def webhook_url_policy(settings: Settings) -> UrlPolicy:
    """Where deliveries may go: registration and every attempt apply the same rules."""
    return UrlPolicy(
        allow_private_networks=settings.webhook_allow_private_networks,
        require_https=settings.production,  # production: https only
    )


class WebhookWorker:
    def __init__(self, settings: Settings, schema: strawberry.Schema, state: State) -> None:
        self.settings = settings
        self.schema = schema
        self.state = state
        self.policy: UrlPolicy = state.webhook_urls
        self.wake = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.budget = unlimited_budget()
        self.pruned_at = 0.0

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._listen())]

    async def close(self) -> None:
        await cancel(self.tasks)

    async def _listen(self) -> None:
        async with self.state.changes.listen() as queue:
            while True:
                await queue.get()
                self.wake.set()

    async def render(
        self, role: Role, record_type: str, ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, Rendered]:
        """The records as a key of `role` reads them through `nodes`, each with the
        personal data it shows."""
        query = (
            "query WebhookPayload($ids: [ID!]!) { nodes(ids: $ids) { __typename "
            f"{PAYLOAD_SELECTIONS[record_type]} }} }}"
        )
        found: dict[uuid.UUID, Rendered] = {}
        for start in range(0, len(ids), MAX_NODES):
            chunk = ids[start : start + MAX_NODES]
            context = self._context(role)
            result = await self.schema.execute(
                query,
                variable_values={"ids": [to_global_id(record_type, key) for key in chunk]},
                context_value=context,
            )
            # A field the endpoint's role may not read is null in the payload, as in the
            # API (docs/webhooks.md): expected, not logged. Any other error is, by code.
            codes = Counter(
                str((error.extensions or {}).get("code", "INTERNAL"))
                for error in result.errors or []
            )
            codes.pop(FORBIDDEN["code"], None)
            for code, count in sorted(codes.items()):
                log.warning(
                    "webhook payload of a %s for role %s: %d field errors with code %s",
                    record_type,
                    role.value,
                    count,
                    code,
                )
            data = orjson.loads(orjson.dumps(result.data)) if result.data else {"nodes": []}
            found.update(
                (key, Rendered(node, shown_in(role, node)))
                for key, node in zip(chunk, data["nodes"], strict=True)
            )
        return found

    def _context(self, role: Role) -> Context:
        return build_context(self.state, Viewer(RENDERER_KEY, "webhooks", role), self.budget)

    async def _run(self) -> None:
        timeout = httpx.Timeout(self.settings.webhook_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                wait = self.settings.webhook_poll_seconds
                try:
                    wait = await self.drain(client)
                except Exception as error:  # the database away: a warning, no stack
                    log_failure(error, "", "webhook delivery round (retrying)")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), wait)
                self.wake.clear()

    async def drain(self, client: httpx.AsyncClient) -> float:
        """One round: fan out, send what is due; returns how long to sleep."""
        state, settings = self.state, self.settings
        while await outbox.fan_out(state.write_sessions, self.render) == outbox.FAN_OUT_BATCH:
            pass
        while claimed := await outbox.claim_due(state.write_sessions, CLAIM_BATCH, LEASE):
            outcomes = await asyncio.gather(*(self.send(client, c) for c in claimed))
            await outbox.record_outcomes(
                state.write_sessions,
                outcomes,
                settings.webhook_max_attempts,
                settings.webhook_retry_base_seconds,
            )
        if time.monotonic() - self.pruned_at > PRUNE_EVERY_SECONDS:
            self.pruned_at = time.monotonic()
            await outbox.prune(
                state.write_sessions,
                settings.change_log_retention_days,
                settings.webhook_delivery_retention_days,
            )
        due = await outbox.next_due(state.primary_sessions)
        if due is None:
            return settings.webhook_poll_seconds
        until = (due - utc_now()).total_seconds()
        return min(max(until, 0.01), settings.webhook_poll_seconds)

    async def send(self, client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
        attempts = claimed.attempts + 1
        problem = await url_problem(claimed.url, self.policy)
        if problem is not None:
            return Outcome(claimed.id, attempts, False, None, problem)
        body = claimed.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Cx360-Event-Id": encode_position(claimed.change_id),
            "Cx360-Event-Type": claimed.change_type.value,
            "Cx360-Delivery-Id": to_global_id("WebhookDelivery", claimed.id),
            signing.SIGNATURE_HEADER: signing.sign(claimed.secret, body, int(time.time())),
        }
        try:
            response = await client.post(claimed.url, content=body, headers=headers)
        except httpx.HTTPError as failure:
            reason: str | None = f"{type(failure).__name__}: {failure}"
            return Outcome(claimed.id, attempts, False, None, reason)
        delivered = 200 <= response.status_code < 300
        reason = None if delivered else f"HTTP {response.status_code}"
        return Outcome(claimed.id, attempts, delivered, response.status_code, reason)
