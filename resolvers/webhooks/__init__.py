"""Webhooks, like Saleor's `saleor/webhook/`: one module per concern.

- filters: which records an endpoint takes (its stored list filters);
- signing: the `Cx360-Signature` header (`sign`, `verify`) and endpoint secrets;
- url_policy: where deliveries may go (SSRF checks on registration and on send);
- endpoints: registering, pausing, rotating, deleting endpoints; replaying a delivery;
- deliveries: reading deliveries, and forgetting them on erasure;
- outbox: fanning logged changes out into deliveries, claiming, outcomes, backoff, pruning.

Writes never wait on a webhook: they only log their changes, and api/webhook_worker.py
drains the outbox.
"""

from resolvers.webhooks.deliveries import forget_customers
from resolvers.webhooks.signing import sign, verify

__all__ = ["forget_customers", "sign", "verify"]
