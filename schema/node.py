"""Opaque global ids and the `Node` interface.

An id is base64("Type:uuid"). A well-formed id of another type, or of nothing that
exists, reads exactly like a missing object: ids never reveal what exists elsewhere.
"""

import uuid

import strawberry

from resolvers.opaque import from_global_id as from_global_id
from resolvers.opaque import global_id, raw_global_id


@strawberry.interface(description="An object with an opaque global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


def raw_to_global_id(raw: str) -> strawberry.ID:
    """The opaque form of a "Type:uuid" string (as the audit log stores them)."""
    return strawberry.ID(raw_global_id(raw))


def to_global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, key))


def key_of_type(value: str, type_name: str, argument: str) -> uuid.UUID | None:
    """The uuid inside an id of `type_name`; None (like a missing object) for another type."""
    found_type, key = from_global_id(value, argument)
    return key if found_type == type_name else None
