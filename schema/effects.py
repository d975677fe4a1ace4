"""What a mutation declares beside itself (`extensions=effects(area, logs=...)`): the area
it writes, which only roles that write that area may run (schema/permissions.py), and where
its effects go: the change types it may log, which is what subscriptions hear and webhooks
deliver (tests/test_mutation_effects.py holds every mutation to its declaration). The
change types several mutations share are named here too.
"""

from collections.abc import Sequence

from strawberry.extensions import FieldExtension
from strawberry.permission import PermissionExtension

from models import ChangeType
from schema.permissions import Area, CanWrite

# A ticket a write changes may enter an SLA state: logged with the write (resolvers/sla_live.py).
SLA_ENTERED = (ChangeType.TICKET_SLA_AT_RISK, ChangeType.TICKET_SLA_BREACHED)
# A write that touches a customer recomputes their next-best-actions as it commits, so it may
# log an action's start with its other changes (resolvers/writes.py, resolvers/actions.py).
STARTS_ACTIONS = (ChangeType.ACTION_STARTED,)


class Effects(CanWrite):
    """A mutation's area rule (CanWrite), and the change types it may log (`logs`)."""

    def __init__(self, *areas: Area, logs: Sequence[ChangeType]) -> None:
        super().__init__(*areas)
        self.logs = tuple(logs)


def effects(*areas: Area, logs: Sequence[ChangeType]) -> list[FieldExtension]:
    """A mutation's area rule and where its effects go: `logs` are the change types it may
    record in the change log as it commits (resolvers/changes.py), which is what
    subscriptions hear and webhooks deliver; `()`: neither sees the mutation."""
    return [PermissionExtension([Effects(*areas, logs=logs)], use_directives=False)]


# What each ticket write may log: the write itself, and an SLA state it made the ticket
# enter; resolving long after the fact misses the follow-up.
OPENED = (ChangeType.TICKET_OPENED, *SLA_ENTERED, *STARTS_ACTIONS)
MOVED = (ChangeType.TICKET_UPDATED, *SLA_ENTERED, *STARTS_ACTIONS)
RESOLVED = (*MOVED, ChangeType.FOLLOW_UP_MISSED)
